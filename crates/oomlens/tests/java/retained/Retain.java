// A JVM whose heap holds structures of known retained size, for the
// retained-size tests (crates/oomlens/tests/heap_retained.rs):
// - a Holder whose ArrayList (capacity N) holds N byte[M];
// - a chain of K Node objects, each with its own byte[P];
// - a WeakHolder whose WeakReference points at a byte[W] that a static
//   field also holds strongly (so the holder does not retain it), and a
//   Lonely WeakReference whose byte[W] nothing else holds (cleared by the
//   collection GC.heap_dump runs first: not in the dump).
// Arguments: N M K P W. Prints "ready", then sleeps until killed.

import java.lang.ref.WeakReference;
import java.util.ArrayList;

public class Retain {
    static final class Holder {
        ArrayList<byte[]> list;
    }

    static final class Node {
        Node next;
        byte[] pad;
    }

    static final class WeakHolder {
        WeakReference<byte[]> ref;
    }

    static final class Lonely {
        WeakReference<byte[]> ref;
    }

    static Holder HOLDER;
    static Node CHAIN;
    static WeakHolder WEAK;
    static byte[] STRONG;
    static Lonely LONELY;

    public static void main(String[] a) throws Exception {
        int n = Integer.parseInt(a[0]);
        int m = Integer.parseInt(a[1]);
        int k = Integer.parseInt(a[2]);
        int p = Integer.parseInt(a[3]);
        int w = Integer.parseInt(a[4]);

        Holder h = new Holder();
        h.list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            h.list.add(new byte[m]);
        }
        HOLDER = h;

        Node head = null;
        for (int i = 0; i < k; i++) {
            Node x = new Node();
            x.next = head;
            x.pad = new byte[p];
            head = x;
        }
        CHAIN = head;

        STRONG = new byte[w];
        WEAK = new WeakHolder();
        WEAK.ref = new WeakReference<>(STRONG);
        LONELY = new Lonely();
        LONELY.ref = new WeakReference<>(new byte[w + 8]);

        System.out.println("ready");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
