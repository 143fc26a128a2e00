package oomlens.demo;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.LongUnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

/**
 * NOT a leak. A request handler that uses what modern Java uses everywhere:
 * lambdas and method references (a route table of 300, plus streams and
 * comparators), method handles (findVirtual/findStatic, bindTo,
 * insertArguments, filterReturnValue, asType), string concatenation
 * (invokedynamic) with many argument shapes, and reflection past the
 * inflation threshold. The JDK makes classes for all of these at run time:
 * {@code $$Lambda$<n>/0x<addr>} hidden classes,
 * {@code java.lang.invoke.LambdaForm$MH/0x<addr>}, {@code LambdaForm$DMH},
 * {@code LambdaForm$BMH}, {@code BoundMethodHandle$Species_*},
 * {@code jdk.internal.reflect.GeneratedMethodAccessor<n>} (in a
 * {@code DelegatingClassLoader} each). There is a fixed number of call sites
 * and shapes, so after the first few thousand requests no more classes are
 * made: the class count levels off. Run it for a while and stop it with
 * SIGTERM.
 */
public final class LambdaNoise {
    public static final class Order {
        final long id;
        final String customer;
        final long cents;

        Order(long id, String customer, long cents) {
            this.id = id;
            this.customer = customer;
            this.cents = cents;
        }

        public long cents() {
            return cents;
        }

        public String customer() {
            return customer;
        }

        public long id() {
            return id;
        }

        public long discounted(long pct) {
            return cents * (100 - pct) / 100;
        }
    }

    static long tax(long cents, int pct) {
        return cents + cents * pct / 100;
    }

    static String label(String s) {
        return "<" + s + ">";
    }

    public static void main(String[] args) throws Throwable {
        Service service = new Service("LambdaNoise", args, 2000, 1);
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        MethodHandle cents = lookup.findVirtual(Order.class, "cents", MethodType.methodType(long.class));
        MethodHandle discounted = lookup.findVirtual(Order.class, "discounted", MethodType.methodType(long.class, long.class));
        MethodHandle tax = lookup.findStatic(LambdaNoise.class, "tax", MethodType.methodType(long.class, long.class, int.class));
        MethodHandle tax20 = MethodHandles.insertArguments(tax, 1, 20);
        MethodHandle centsWithTax = MethodHandles.filterReturnValue(cents, tax20);
        MethodHandle customer = lookup.findVirtual(Order.class, "customer", MethodType.methodType(String.class));
        MethodHandle labelled = MethodHandles.filterReturnValue(customer,
                lookup.findStatic(LambdaNoise.class, "label", MethodType.methodType(String.class, String.class)));
        MethodHandle generic = centsWithTax.asType(MethodType.methodType(Object.class, Object.class));
        Method[] reflective = {
            Order.class.getMethod("cents"), Order.class.getMethod("customer"), Order.class.getMethod("id"),
            Order.class.getMethod("discounted", long.class),
        };
        String[] customers = {"acme", "globex", "initech", "umbrella", "hooli"};

        service.run(n -> {
            List<Order> orders = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                orders.add(new Order(n * 20 + i, customers[(int) ((n + i) % customers.length)], 100 + (n * 31 + i) % 9000));
            }
            LongUnaryOperator route = Routes.ROUTES[(int) (n % Routes.ROUTES.length)];
            Map<String, Long> byCustomer = orders.stream()
                    .filter(o -> o.cents() > 150)
                    .sorted(Comparator.comparingLong(Order::cents).thenComparing(Order::customer))
                    .collect(Collectors.groupingBy(Order::customer, Collectors.summingLong(Order::cents)));
            long sum = LongStream.range(0, 10).map(route).sum();
            Order first = orders.get(0);
            try {
                long a = (long) centsWithTax.invokeExact(first);
                long b = (long) discounted.invokeExact(first, 10L);
                String l = (String) labelled.invokeExact(first);
                Object c = generic.invoke((Object) first);
                Object r = reflective[(int) (n % reflective.length)].invoke(first, reflective[(int) (n % reflective.length)].getParameterCount() == 0 ? new Object[0] : new Object[] {5L});
                String line = "order " + first.id() + " " + l + " " + a + "/" + b + "/" + c + " " + r + " sum=" + sum
                        + " customers=" + byCustomer.size() + " flag=" + (n % 2 == 0) + " ratio=" + (a / 3.0) + " c=" + (char) ('a' + n % 26);
                if (line.isEmpty()) {
                    throw new IllegalStateException();
                }
            } catch (Throwable t) {
                throw new RuntimeException(t);
            }
        });
    }
}
