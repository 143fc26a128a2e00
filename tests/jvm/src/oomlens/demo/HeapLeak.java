package oomlens.demo;

import java.util.ArrayList;
import java.util.List;

/**
 * A heap leak: every request puts its 64 KiB response into a cache that is
 * never evicted (a static list), as an unbounded "last responses" cache
 * does. Run with a maximum heap larger than the container's limit
 * ({@code -Xmx400m} in a 192 MiB container) and the kernel kills the JVM
 * before the heap is full; with a smaller one the JVM throws
 * {@code OutOfMemoryError: Java heap space}.
 *
 * <p>Options: those of {@link Service}, and {@code --kib N} (held per
 * request, default 64).
 */
public final class HeapLeak {
    static final List<byte[]> RESPONSE_CACHE = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        int kib = (int) Service.longOpt(args, "--kib", 64);
        Service service = new Service("HeapLeak", args, 500);
        service.run(n -> {
            byte[] response = new byte[kib << 10];
            for (int i = 0; i < response.length; i += 4096) {
                response[i] = (byte) n;
            }
            synchronized (RESPONSE_CACHE) {
                RESPONSE_CACHE.add(response);
            }
        });
    }
}
