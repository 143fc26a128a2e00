package oomlens.demo;

/**
 * An idle JVM for the attach tests: prints one {@code ready pid=N} line once
 * main runs, then sleeps until it is killed. It uses no CPU, so commands
 * whose output depends on time (uptime, histograms) are the only ones that
 * change between two calls.
 */
public class Idle {
    public static void main(String[] args) throws Exception {
        System.out.println("ready pid=" + ProcessHandle.current().pid());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
