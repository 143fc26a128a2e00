// A JVM whose heap is mostly a steady pool while its Metaspace fills the
// container, for crates/oomlens/tests/heap_not_the_filler.rs: POOL_MIB
// byte[] arrays of 1 MiB each (written, so resident), then classes
// `gen.G*` defined from the renamed bytes of gen.G0000000 (tests/java/heap/gen),
// 100 per class loader of its own. Arguments: POOL_MIB BATCH DIR. Steps,
// each signalled through a file in DIR: writes `ready` once the pool and
// BATCH classes exist; on `go` defines BATCH more classes and writes
// `grown`; on `fill` defines classes until the kernel kills it.

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

public class SteadyPool {
    static final class BytesLoader extends ClassLoader {
        BytesLoader() {
            super(SteadyPool.class.getClassLoader());
        }

        Class<?> define(String name, byte[] b) {
            return defineClass(name, b, 0, b.length);
        }
    }

    static final List<byte[]> POOL = new ArrayList<>();
    static final List<Object> KEEP = new ArrayList<>();
    static byte[] template;
    static final byte[] FROM = "gen/G0000000".getBytes();
    static int made = 0;
    static BytesLoader loader;

    public static void main(String[] a) throws Exception {
        int poolMib = Integer.parseInt(a[0]);
        int batch = Integer.parseInt(a[1]);
        Path dir = Path.of(a[2]);
        for (int i = 0; i < poolMib; i++) {
            byte[] b = new byte[1 << 20];
            java.util.Arrays.fill(b, (byte) i);
            POOL.add(b);
        }
        try (InputStream in = SteadyPool.class.getResourceAsStream("/gen/G0000000.class")) {
            template = in.readAllBytes();
        }
        define(batch);
        Files.writeString(dir.resolve("ready"), "ready");
        await(dir.resolve("go"));
        define(batch);
        Files.writeString(dir.resolve("grown"), "grown");
        await(dir.resolve("fill"));
        while (true) {
            define(1000);
        }
    }

    static void define(int n) {
        for (int i = 0; i < n; i++) {
            if (made % 100 == 0) {
                loader = new BytesLoader();
                KEEP.add(loader);
            }
            String name = String.format("gen/G%07d", ++made);
            byte[] bytes = template.clone();
            HeapShapes.replace(bytes, FROM, name.getBytes());
            KEEP.add(loader.define(name.replace('/', '.'), bytes));
        }
    }

    static void await(Path p) throws InterruptedException {
        while (!Files.exists(p)) {
            Thread.sleep(20);
        }
    }
}
