package oomlens.demo;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A thread leak: every request creates a new one-thread pool for a
 * background task and never shuts it down, so each request leaves a parked
 * worker thread behind (a live thread is a GC root: the pool is never
 * collected). ({@code Executors.newSingleThreadExecutor} would not leak as
 * surely: on JDK 17 its wrapper shuts the pool down when collected.)
 * Every thread costs its stack and the JVM's and the kernel's per-thread
 * memory, none of it on the heap.
 *
 * <p>Options: those of {@link Service}.
 */
public final class ThreadLeak {
    public static void main(String[] args) throws Exception {
        Service service = new Service("ThreadLeak", args, 100);
        service.run(n -> {
            ExecutorService background = Executors.newFixedThreadPool(1, r -> {
                Thread t = new Thread(r, "audit-writer-" + n);
                t.setDaemon(true);
                return t;
            });
            background.submit(() -> "request " + n);
        });
    }
}
