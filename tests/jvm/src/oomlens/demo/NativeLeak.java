package oomlens.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.Deflater;

/**
 * A native leak Native Memory Tracking cannot see: every request compresses
 * its 64 KiB response with a new {@link Deflater} and keeps the deflater
 * (never calls {@link Deflater#end()}), as code that forgets to close a
 * {@code GZIPOutputStream} does. zlib's state (about 256 KiB per deflater,
 * allocated by zlib with the C library's {@code malloc}, not by the JVM)
 * stays resident; the heap holds only the small {@code Deflater} objects,
 * and NMT, which counts the JVM's own allocations only, stays flat while
 * the process's resident set grows.
 *
 * <p>Options: those of {@link Service}, and {@code --end true} (call
 * {@code end()} after each request: the same work without the leak).
 */
public final class NativeLeak {
    static final List<Deflater> OPEN = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        boolean end = Boolean.parseBoolean(Service.stringOpt(args, "--end", "false"));
        Service service = new Service("NativeLeak", args, 100, 50);
        byte[] response = new byte[64 << 10];
        new Random(42).nextBytes(response);
        byte[] out = new byte[80 << 10];
        service.run(n -> {
            Deflater d = new Deflater();
            d.setInput(response);
            d.finish();
            while (!d.finished()) {
                d.deflate(out);
            }
            if (end) {
                d.end();
            } else {
                synchronized (OPEN) {
                    OPEN.add(d);
                }
            }
        });
    }
}
