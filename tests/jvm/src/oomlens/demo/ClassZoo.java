package oomlens.demo;

import java.lang.invoke.CallSite;
import java.lang.invoke.LambdaMetafactory;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Proxy;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Random;
import java.util.function.Supplier;

import groovy.lang.GroovyClassLoader;
import javassist.ClassPool;
import javassist.CtClass;
import javassist.CtField;
import javassist.CtNewConstructor;
import javassist.CtNewMethod;
import net.sf.cglib.proxy.Enhancer;
import net.sf.cglib.proxy.MethodInterceptor;

/**
 * A busy multi-tenant service that generates classes through every real
 * generator this machine has, for a class-loading log with many families:
 * per batch, a new tenant class loader in which, for a few of the 128
 * entities ({@code com.acme.<domain>.<Noun>Entity}, 8 domains x 16 nouns),
 *
 * <ul>
 * <li>javassist makes the entity, its port interface and an Orika-style
 *     mapper ({@code ma.glasnost.orika.generated.Orika_<B>_<A>_Mapper<nanotime>$<n>});
 * <li>cglib enhances it without cache ({@code $$EnhancerByCGLIB$$<hex>} and,
 *     on the first intercepted call, {@code $$FastClassByCGLIB$$<hex>});
 * <li>{@code LambdaMetafactory} spins a lambda in it
 *     ({@code <Entity>$$Lambda$<n>/0x<addr>});
 * <li>{@code Lookup.defineHiddenClass} defines a hidden validator
 *     ({@code com.acme.<domain>.<Noun>Validator/0x<addr>});
 * <li>{@code java.lang.reflect.Proxy} implements the port
 *     ({@code jdk.proxy<m>.$Proxy<n>});
 * <li>every 8th time, Groovy compiles a rule ({@code <Noun>Rule} and
 *     {@code <Noun>Rule$_run_closure1}).
 * </ul>
 *
 * The last {@code --keep} tenants (default 16) stay reachable, older ones
 * become garbage, so the GC unloads their classes ({@code class,unload}).
 * Options: {@code --seconds N} (default 30), {@code --seed S}, {@code --keep N}.
 * Needs {@code --add-opens java.base/java.lang=ALL-UNNAMED} (cglib and
 * javassist on JDK 17). Prints {@code batches=N generated=N} at the end.
 */
public final class ClassZoo {
    static final String[] DOMAINS = {"billing", "catalog", "checkout", "crm", "inventory", "ledger", "shipping", "identity"};
    static final String[] NOUNS = {"Account", "Address", "Invoice", "Order", "Customer", "Product", "Shipment",
            "Payment", "Refund", "Coupon", "Cart", "Warehouse", "Supplier", "Quote", "Contract", "Ticket"};

    /** A tenant's loader: defines what javassist made. */
    static final class TenantLoader extends ClassLoader {
        TenantLoader(int n) {
            super("tenant-" + n, ClassZoo.class.getClassLoader());
        }

        Class<?> define(String name, byte[] b) {
            return defineClass(name, b, 0, b.length);
        }
    }

    static long generated;
    static int orikaIndex;

    public static void main(String[] args) throws Throwable {
        long seconds = 30;
        long seed = 1;
        int keep = 16;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--seconds": seconds = Long.parseLong(args[i + 1]); break;
                case "--seed": seed = Long.parseLong(args[i + 1]); break;
                case "--keep": keep = Integer.parseInt(args[i + 1]); break;
                default: throw new IllegalArgumentException(args[i]);
            }
        }
        Random rnd = new Random(seed);
        Deque<Object[]> tenants = new ArrayDeque<>();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        int batch = 0;
        while (System.nanoTime() < end) {
            TenantLoader loader = new TenantLoader(batch);
            ClassPool pool = new ClassPool(true);
            Object[] kept = new Object[6];
            java.util.Set<Integer> picked = new java.util.HashSet<>();
            for (int k = 0; k < kept.length; k++) {
                int e;
                do {
                    e = rnd.nextInt(DOMAINS.length * NOUNS.length);
                } while (!picked.add(e) || !picked.add(1000 + e % NOUNS.length));
                String domain = DOMAINS[e / NOUNS.length];
                String noun = NOUNS[e % NOUNS.length];
                String other = NOUNS[rnd.nextInt(NOUNS.length)];
                kept[k] = entity(pool, loader, domain, noun, other, rnd.nextInt(8) == 0);
            }
            tenants.addLast(kept);
            if (tenants.size() > keep) {
                tenants.removeFirst();
            }
            batch++;
        }
        System.out.println("batches=" + batch + " generated=" + generated);
    }

    static Object entity(ClassPool pool, TenantLoader loader, String domain, String noun, String other,
            boolean groovy) throws Throwable {
        String pkg = "com.acme." + domain;
        CtClass port = pool.makeInterface(pkg + "." + noun + "Port");
        port.addMethod(CtNewMethod.make("public abstract String handle(String in);", port));
        Class<?> portClass = loader.define(port.getName(), port.toBytecode());

        CtClass c = pool.makeClass(pkg + "." + noun + "Entity");
        c.addConstructor(CtNewConstructor.defaultConstructor(c));
        c.addField(CtField.make("public String id = \"" + noun + "\";", c));
        c.addMethod(CtNewMethod.make("public String describe() { return \"" + domain + ":\" + id; }", c));
        c.addMethod(CtNewMethod.make("public static Object make() { return new " + c.getName() + "(); }", c));
        c.addMethod(CtNewMethod.make(
                "public static java.lang.invoke.MethodHandles.Lookup lookup() { return java.lang.invoke.MethodHandles.lookup(); }", c));
        Class<?> cls = loader.define(c.getName(), c.toBytecode());
        generated += 2;

        // cglib: a new enhancer without cache, called once (FastClass).
        Enhancer en = new Enhancer();
        en.setSuperclass(cls);
        en.setUseCache(false);
        en.setClassLoader(loader);
        en.setCallback((MethodInterceptor) (obj, m, a, p) -> p.invokeSuper(obj, a));
        Object proxied = en.create();
        proxied.toString();
        cls.getMethod("describe").invoke(proxied);
        generated += 3;

        // A lambda and a hidden class, both hosted by the entity.
        MethodHandles.Lookup lookup = (MethodHandles.Lookup) cls.getMethod("lookup").invoke(null);
        CallSite site = LambdaMetafactory.metafactory(lookup, "get", MethodType.methodType(Supplier.class),
                MethodType.methodType(Object.class), lookup.findStatic(cls, "make", MethodType.methodType(Object.class)),
                MethodType.methodType(Object.class));
        Supplier<?> s = (Supplier<?>) site.getTarget().invoke();
        s.get();
        CtClass v = pool.makeClass(pkg + "." + noun + "Validator");
        v.addMethod(CtNewMethod.make("public static boolean check(Object o) { return o != null; }", v));
        lookup.defineHiddenClass(v.toBytecode(), true);
        generated += 2;

        // A JDK dynamic proxy of the port.
        Object p = Proxy.newProxyInstance(loader, new Class<?>[] {portClass}, (pr, m, a) -> "ok");
        portClass.getMethod("handle", String.class).invoke(p, "x");
        generated += 1;

        // An Orika-style mapper, named as Orika names them.
        CtClass mapper = pool.makeClass("ma.glasnost.orika.generated.Orika_" + other + "_" + noun + "_Mapper"
                + System.nanoTime() + "$" + (orikaIndex++));
        mapper.addMethod(CtNewMethod.make("public Object map(Object a) { return a; }", mapper));
        loader.define(mapper.getName(), mapper.toBytecode());
        generated += 1;

        if (groovy) {
            GroovyClassLoader gcl = new GroovyClassLoader(loader);
            Class<?> rule = gcl.parseClass("def f = { x -> x * 2 }\nreturn f(" + noun.length() + ")", noun + "Rule.groovy");
            ((groovy.lang.Script) rule.getDeclaredConstructor().newInstance()).run();
            generated += 2;
        }
        return new Object[] {proxied, s, p};
    }
}
