package oomlens.demo;

import java.lang.management.ClassLoadingMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryUsage;

/**
 * The request loop shared by every demo "service": it handles fake requests
 * one after the other and prints one status line every {@code every} requests
 * (and one when the JVM is asked to stop). A status line looks like
 *
 * <pre>
 * [OrikaLikeLeak] requests=2000 generated_classes=2000 loaded_classes=3411 unloaded_classes=0 metaspace_used_kb=31337 heap_used_kb=10240 uptime_ms=5123
 * </pre>
 *
 * Options (all programs): {@code --every N} (status line period, default
 * depends on the program), {@code --max-requests N} (stop after N requests,
 * default: never), {@code --sleep-ms N} (pause between requests; 0 for the
 * leaks, 1 for the steady programs). On SIGTERM (or any normal exit) a
 * shutdown hook prints a last line starting with {@code stopping:}.
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
    private volatile long requests;
    private volatile long generated;

    public Service(String name, String[] args, long defaultEvery) {
        this(name, args, defaultEvery, 0);
    }

    public Service(String name, String[] args, long defaultEvery, long defaultSleepMs) {
        this.name = name;
        this.every = longOpt(args, "--every", defaultEvery);
        this.maxRequests = longOpt(args, "--max-requests", Long.MAX_VALUE);
        this.sleepMs = longOpt(args, "--sleep-ms", defaultSleepMs);
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

    /** Counts classes the program generated itself (not the JVM's own). */
    public void generated(long n) {
        generated += n;
    }

    public long requests() {
        return requests;
    }

    public void log(String msg) {
        System.out.println("[" + name + "] " + msg);
    }

    public void status(String what) {
        ClassLoadingMXBean cl = ManagementFactory.getClassLoadingMXBean();
        long metaspaceKb = -1;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getName().equals("Metaspace")) {
                MemoryUsage u = pool.getUsage();
                metaspaceKb = u.getUsed() / 1024;
            }
        }
        long heapKb = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1024;
        log(what + "requests=" + requests + " generated_classes=" + generated
                + " loaded_classes=" + cl.getLoadedClassCount()
                + " unloaded_classes=" + cl.getUnloadedClassCount()
                + " metaspace_used_kb=" + metaspaceKb + " heap_used_kb=" + heapKb
                + " uptime_ms=" + ManagementFactory.getRuntimeMXBean().getUptime());
    }

    public void run(Handler handler) throws Exception {
        status("serving: ");
        while (requests < maxRequests) {
            handler.handle(requests);
            requests++;
            if (requests % every == 0) {
                status("");
            }
            if (sleepMs > 0) {
                Thread.sleep(sleepMs);
            }
        }
        status("done: ");
    }
}
