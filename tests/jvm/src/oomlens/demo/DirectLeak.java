package oomlens.demo;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A direct-memory leak: every request allocates a 64 KiB direct buffer (as a
 * network client's buffer pool does) and keeps it in a list that is never
 * released. The heap holds only the small {@code DirectByteBuffer} objects;
 * the memory is native. Run with {@code -XX:MaxDirectMemorySize} above the
 * container's limit and the kernel kills the JVM; under the default (the
 * maximum heap) the JVM throws {@code OutOfMemoryError: Direct buffer
 * memory} first.
 *
 * <p>Options: those of {@link Service}, and {@code --kib N} (per request,
 * default 64).
 */
public final class DirectLeak {
    static final List<ByteBuffer> POOL = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        int kib = (int) Service.longOpt(args, "--kib", 64);
        Service service = new Service("DirectLeak", args, 500);
        service.run(n -> {
            ByteBuffer b = ByteBuffer.allocateDirect(kib << 10);
            for (int i = 0; i < b.capacity(); i += 4096) {
                b.put(i, (byte) n);
            }
            synchronized (POOL) {
                POOL.add(b);
            }
        });
    }
}
