package oomlens.demo;

/**
 * A steady service that is not leaking: it keeps a fixed working set (a
 * cache of {@code --live-mib N} MiB, default 24, filled at start; with
 * {@code --replace-every N} one of its 64 KiB blocks is replaced every N
 * requests, default never) and each request allocates a short-lived
 * {@code --kib N} KiB response (default 64) that becomes garbage at once.
 * The heap saws up to what the collector lets the young generation grow to
 * and falls back to the working set after each collection: the heap after
 * GC is flat.
 *
 * <p>With a maximum heap larger than the container's limit ({@code -Xms400m
 * -Xmx400m} in a 192 MiB container) the young generation grows into heap
 * pages never touched before, the resident set rises with it, and the kernel
 * kills the JVM although nothing leaks.
 *
 * <p>Options: those of {@link Service}, {@code --live-mib N},
 * {@code --replace-every N} and {@code --kib N}.
 */
public final class HeapChurn {
    public static void main(String[] args) throws Exception {
        int kib = (int) Service.longOpt(args, "--kib", 64);
        int liveMib = (int) Service.longOpt(args, "--live-mib", 24);
        long replaceEvery = Service.longOpt(args, "--replace-every", 0);
        // The working set: 64 KiB blocks, replaced in place (old block garbage).
        final byte[][] cache = new byte[liveMib * 16][];
        for (int i = 0; i < cache.length; i++) {
            cache[i] = new byte[64 << 10];
        }
        Service service = new Service("HeapChurn", args, 2000, 0);
        service.run(n -> {
            byte[] response = new byte[kib << 10];
            for (int i = 0; i < response.length; i += 4096) {
                response[i] = (byte) n;
            }
            if (replaceEvery > 0 && n % replaceEvery == 0) {
                synchronized (cache) {
                    cache[(int) ((n / replaceEvery) % cache.length)] = new byte[64 << 10];
                }
            }
            if (response[0] == 42 && response.length == 1) {
                System.out.println("unreachable");
            }
        });
    }
}
