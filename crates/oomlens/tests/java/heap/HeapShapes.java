// A JVM whose heap holds known things, for the heap dump tests
// (crates/oomlens/tests/heap_dump.rs): N instances of Shapes$Item, K
// generated classes `gen.G*` defined from bytes across L class loaders,
// the template class gen.G0000000 in each of them (a duplicate class),
// one java.lang.reflect.Proxy class per loader, B direct buffers of
// CAPACITY bytes, T threads named `shapes-worker-<i>`, and D distinct
// String objects with one content. Arguments: N K L B CAPACITY T D.
// Prints "ready" once everything is built; then each "grow" line on stdin
// adds N more items and K more classes in L new loaders ("grown").

import java.io.InputStream;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

public class HeapShapes {
    static final class Item {
        Item next;
        int value;
        long stamp;
        Object payload;
    }

    /** A loader that defines classes from bytes it is handed. */
    static final class BytesLoader extends ClassLoader {
        BytesLoader() {
            super(HeapShapes.class.getClassLoader());
        }

        Class<?> define(String name, byte[] b) {
            return defineClass(name, b, 0, b.length);
        }
    }

    static final List<Object> KEEP = new ArrayList<>();

    public static void main(String[] a) throws Exception {
        int n = Integer.parseInt(a[0]);
        int k = Integer.parseInt(a[1]);
        int l = Integer.parseInt(a[2]);
        int b = Integer.parseInt(a[3]);
        int capacity = Integer.parseInt(a[4]);
        int t = Integer.parseInt(a[5]);
        int d = Integer.parseInt(a[6]);

        Item head = null;
        for (int i = 0; i < n; i++) {
            Item it = new Item();
            it.next = head;
            it.value = i;
            head = it;
        }
        KEEP.add(head);

        // The template class gen/G0000000 is renamed in its constant pool
        // (same length) for every generated class.
        byte[] template;
        try (InputStream in = HeapShapes.class.getResourceAsStream("/gen/G0000000.class")) {
            template = in.readAllBytes();
        }
        byte[] from = "gen/G0000000".getBytes("UTF-8");
        List<BytesLoader> loaders = new ArrayList<>();
        for (int i = 0; i < l; i++) {
            loaders.add(new BytesLoader());
        }
        for (int i = 0; i < k; i++) {
            String name = String.format("gen/G%07d", i + 1);
            byte[] bytes = template.clone();
            replace(bytes, from, name.getBytes("UTF-8"));
            BytesLoader loader = loaders.get(i % l);
            KEEP.add(loader.define(name.replace('/', '.'), bytes));
        }
        for (BytesLoader loader : loaders) {
            // The template itself in every loader: one name, L loaders.
            KEEP.add(loader.define("gen.G0000000", template));
            // A proxy class per loader: the interface is visible to each.
            KEEP.add(Proxy.newProxyInstance(loader, new Class<?>[] {Runnable.class}, (p, m, args) -> null));
        }
        KEEP.add(loaders);

        for (int i = 0; i < b; i++) {
            KEEP.add(ByteBuffer.allocateDirect(capacity));
        }

        for (int i = 0; i < t; i++) {
            Thread th = new Thread(() -> {
                try {
                    Thread.sleep(600_000);
                } catch (InterruptedException e) {
                    // ends the thread
                }
            }, "shapes-worker-" + (i + 1));
            th.setDaemon(true);
            th.start();
        }

        char[] content = "duplicated-content-of-HeapShapes".toCharArray();
        for (int i = 0; i < d; i++) {
            KEEP.add(new String(content));
        }

        System.out.println("ready");
        System.out.flush();
        // Each "grow" line on stdin adds N items and K classes in L new loaders.
        java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
        int made = k;
        for (String line; (line = in.readLine()) != null; ) {
            if (!line.equals("grow")) {
                continue;
            }
            Item more = null;
            for (int i = 0; i < n; i++) {
                Item it = new Item();
                it.next = more;
                more = it;
            }
            KEEP.add(more);
            List<BytesLoader> fresh = new ArrayList<>();
            for (int i = 0; i < l; i++) {
                fresh.add(new BytesLoader());
            }
            for (int i = 0; i < k; i++) {
                String name = String.format("gen/G%07d", ++made);
                byte[] bytes = template.clone();
                replace(bytes, from, name.getBytes("UTF-8"));
                KEEP.add(fresh.get(i % l).define(name.replace('/', '.'), bytes));
            }
            KEEP.add(fresh);
            System.out.println("grown");
            System.out.flush();
        }
        Thread.sleep(600_000);
    }

    static void replace(byte[] hay, byte[] from, byte[] to) {
        outer:
        for (int i = 0; i + from.length <= hay.length; i++) {
            for (int j = 0; j < from.length; j++) {
                if (hay[i + j] != from[j]) {
                    continue outer;
                }
            }
            System.arraycopy(to, 0, hay, i, to.length);
        }
    }
}
