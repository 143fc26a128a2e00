// The heap of scripts/bench/heap.sh: about 43 million objects, a 2.6 GiB
// HPROF dump. Linked records (instances with references and primitives),
// Strings with their byte arrays (one in eight a duplicate), object and
// primitive arrays, classes generated across class loaders (proxies), direct
// buffers and named threads. Argument: the number of records (default
// 13,300,000; each is about three objects). Prints "ready", then sleeps.

import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

public class HeapBench {
    static final class Record {
        Record next;
        String key;
        Object[] tags;
        long stamp;
        int count;
    }

    static final List<Object> KEEP = new ArrayList<>();

    /** Makes each key's byte array about 80 bytes, as names and ids are. */
    static final String PAD = "-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    public static void main(String[] a) throws Exception {
        int n = a.length > 0 ? Integer.parseInt(a[0]) : 13_300_000;
        Record[] heads = new Record[1024];
        for (int i = 0; i < n; i++) {
            Record r = new Record();
            int h = i & 1023;
            r.next = heads[h];
            r.key = (i & 7) == 0 ? "duplicate-key-" + (i & 255) + PAD : "key-" + i + PAD;
            if ((i & 3) == 0) {
                r.tags = new Object[] {r.key, null};
            }
            r.stamp = i;
            r.count = i;
            heads[h] = r;
        }
        KEEP.add(heads);
        for (int i = 0; i < 2000; i++) {
            ClassLoader l = new ClassLoader(HeapBench.class.getClassLoader()) {};
            KEEP.add(Proxy.newProxyInstance(l, new Class<?>[] {Runnable.class}, (p, m, args) -> null));
        }
        for (int i = 0; i < 64; i++) {
            KEEP.add(ByteBuffer.allocateDirect(1 << 16));
        }
        for (int i = 0; i < 32; i++) {
            Thread t = new Thread(() -> {
                try {
                    Thread.sleep(3_600_000);
                } catch (InterruptedException e) {
                    // ends the thread
                }
            }, "bench-worker-" + i);
            t.setDaemon(true);
            t.start();
        }
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(3_600_000);
    }
}
