import java.util.ArrayList;
import java.util.List;

/** Keeps every request's buffer: a heap leak. Prints what it holds. */
public class HeapHog {
    public static void main(String[] args) throws Exception {
        List<byte[]> held = new ArrayList<>();
        System.out.println("HeapHog started, max heap " + (Runtime.getRuntime().maxMemory() >> 20) + " MiB");
        for (int i = 1; ; i++) {
            byte[] b = new byte[1 << 20];
            for (int j = 0; j < b.length; j += 4096) b[j] = 1;
            held.add(b);
            if (i % 16 == 0) System.out.println("request " + i + ": holding " + held.size() + " MiB");
            Thread.sleep(5);
        }
    }
}
