package oomlens.demo;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import groovy.lang.Binding;
import groovy.lang.GroovyShell;
import groovy.lang.Script;

/**
 * A pricing service that evaluates a Groovy rule on every request with a new
 * {@link GroovyShell} (hence a new {@code GroovyClassLoader}) and keeps the
 * parsed script in a "rule cache" keyed by the request's rule text. The rule
 * text embeds the request's values (string concatenation instead of a
 * binding), so the key is different every time: the cache never hits, grows
 * without bound and keeps every shell, class loader and class reachable.
 * Each request defines a class {@code Script1} and its closure class
 * {@code Script1$_run_closure1}: Groovy 2.4 numbers scripts per shell, so with
 * a new shell per request every script is called {@code Script1} (each in
 * its own loader), and the class+load log shows the same two names over and
 * over, with {@code source: file:/groovy/shell}.
 */
public final class GroovyLeak {
    static final Map<String, Script> RULE_CACHE = new ConcurrentHashMap<>();

    public static void main(String[] args) throws Exception {
        Service service = new Service("GroovyLeak", args, 200);
        service.run(n -> {
            long qty = 1 + n % 17;
            String rule = "def orderId = " + (100000 + n) + "\n"
                    + "def lines = [" + qty + ", " + (n % 5) + ", 3]\n"
                    + "def total = lines.inject(0) { acc, q -> acc + q * price }\n"
                    + "if (customer == 'gold') { total = total * 0.9 }\n"
                    + "return total";
            Script script = RULE_CACHE.get(rule);
            if (script == null) {
                GroovyShell shell = new GroovyShell();
                script = shell.parse(rule);
                RULE_CACHE.put(rule, script);
                service.generated(2);
            }
            Binding binding = new Binding();
            binding.setVariable("price", 10 + n % 90);
            binding.setVariable("customer", n % 4 == 0 ? "gold" : "std");
            script.setBinding(binding);
            Object total = script.run();
            if (total == null) {
                throw new IllegalStateException();
            }
        });
    }
}
