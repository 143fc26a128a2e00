package oomlens.demo;

import java.lang.management.ClassLoadingMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The request loop shared by every demo "service": worker threads named like
 * Tomcat's ({@code http-nio-8080-exec-1}, ...) take fake requests one after
 * the other, and a status line is printed every {@code every} requests, when
 * the loop ends and (from a shutdown hook) when the JVM is asked to stop:
 *
 * <pre>
 * [OrikaLikeLeak] requests=2000 generated_classes=2000 loaded_classes=3411 unloaded_classes=0 metaspace_used_kb=31337 heap_used_kb=10240 uptime_ms=5123
 * </pre>
 *
 * {@code generated_classes} counts the classes the program itself caused to
 * be generated (not the JVM's own lambda forms and such).
 *
 * <p>Options (all programs): {@code --threads N} (workers, default 2),
 * {@code --every N} (status line period), {@code --max-requests N} (stop
 * after about N requests, default: never), {@code --sleep-ms N} (pause after
 * each request in each worker; 0 for the leaks, 1 for the steady programs).
 * A worker that throws dies with the JVM's usual {@code Exception in thread
 * "http-nio-8080-exec-1" ...} report and the program then exits with status 1.
 */
public final class Service {
    /** One request. */
    public interface Handler {
        void handle(long requestNo) throws Exception;
    }

    private final String name;
    private final long every;
    private final long maxRequests;
    private final long sleepMs;
    private final int threads;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong generated = new AtomicLong();

    public Service(String name, String[] args, long defaultEvery) {
        this(name, args, defaultEvery, 0);
    }

    public Service(String name, String[] args, long defaultEvery, long defaultSleepMs) {
        this.name = name;
        this.every = longOpt(args, "--every", defaultEvery);
        this.maxRequests = longOpt(args, "--max-requests", Long.MAX_VALUE);
        this.sleepMs = longOpt(args, "--sleep-ms", defaultSleepMs);
        this.threads = (int) longOpt(args, "--threads", 2);
        log("started pid=" + ProcessHandle.current().pid() + " args=" + String.join(" ", args));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> status("stopping: "), "shutdown-status"));
    }

    public static long longOpt(String[] args, String key, long dflt) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(key)) {
                return Long.parseLong(args[i + 1]);
            }
        }
        return dflt;
    }

    public static String stringOpt(String[] args, String key, String dflt) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(key)) {
                return args[i + 1];
            }
        }
        return dflt;
    }

    /** Counts classes the program generated itself. */
    public void generated(long n) {
        generated.addAndGet(n);
    }

    public synchronized void log(String msg) {
        System.out.println("[" + name + "] " + msg);
    }

    public void status(String what) {
        ClassLoadingMXBean cl = ManagementFactory.getClassLoadingMXBean();
        long metaspaceKb = -1;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getName().equals("Metaspace")) {
                metaspaceKb = pool.getUsage().getUsed() / 1024;
            }
        }
        long heapKb = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1024;
        log(what + "requests=" + requests.get() + " generated_classes=" + generated.get()
                + " loaded_classes=" + cl.getLoadedClassCount()
                + " unloaded_classes=" + cl.getUnloadedClassCount()
                + " metaspace_used_kb=" + metaspaceKb + " heap_used_kb=" + heapKb
                + " uptime_ms=" + ManagementFactory.getRuntimeMXBean().getUptime());
    }

    public void run(Handler handler) throws Exception {
        status("serving: ");
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 1; t <= threads; t++) {
            Thread w = new Thread(() -> {
                try {
                    while (failure.get() == null) {
                        long n = requests.getAndIncrement();
                        if (n >= maxRequests) {
                            requests.decrementAndGet();
                            return;
                        }
                        handler.handle(n);
                        if ((n + 1) % every == 0) {
                            status("");
                        }
                        if (sleepMs > 0) {
                            Thread.sleep(sleepMs);
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                    if (e instanceof Error) {
                        throw (Error) e;
                    }
                    if (e instanceof RuntimeException) {
                        throw (RuntimeException) e;
                    }
                    throw new RuntimeException(e);
                }
            }, "http-nio-8080-exec-" + t);
            workers.add(w);
            w.start();
        }
        for (Thread w : workers) {
            w.join();
        }
        if (failure.get() != null) {
            status("failed: ");
            System.exit(1);
        }
        status("done: ");
    }
}
