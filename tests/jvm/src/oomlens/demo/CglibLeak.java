package oomlens.demo;

import java.math.BigDecimal;

import net.sf.cglib.proxy.Enhancer;
import net.sf.cglib.proxy.MethodInterceptor;

/**
 * An order service that wraps its repository in a cglib proxy on every
 * request (for "auditing"), with a new {@link Enhancer} each time and the
 * Enhancer's class cache switched off ({@code setUseCache(false)}), as code
 * does that wants a fresh callback setup per call. Every request defines a new
 * {@code oomlens.demo.CglibLeak$OrderRepository$$EnhancerByCGLIB$$<hex>} class,
 * plus, the first time a proxied method calls {@code invokeSuper}, two
 * {@code $$FastClassByCGLIB$$<hex>} classes. cglib defines them in the
 * superclass's class loader (the application class loader), so they are
 * never unloaded.
 *
 * Needs {@code --add-opens java.base/java.lang=ALL-UNNAMED} on JDK 16+ (cglib
 * 3.3 defines classes through {@code ClassLoader.defineClass} reflectively).
 */
public final class CglibLeak {
    /** The proxied class. Public with a public constructor, as cglib needs. */
    public static class OrderRepository {
        public BigDecimal totalFor(long customerId) {
            return BigDecimal.valueOf(customerId % 1000, 2);
        }

        public String statusOf(long orderId) {
            return orderId % 7 == 0 ? "SHIPPED" : "OPEN";
        }
    }

    public static void main(String[] args) throws Exception {
        Service service = new Service("CglibLeak", args, 500);
        service.run(n -> {
            Enhancer enhancer = new Enhancer();
            enhancer.setSuperclass(OrderRepository.class);
            enhancer.setUseCache(false);
            enhancer.setCallback((MethodInterceptor) (obj, method, margs, proxy) -> proxy.invokeSuper(obj, margs));
            OrderRepository repo = (OrderRepository) enhancer.create();
            if (repo.totalFor(n).signum() < 0 || repo.statusOf(n) == null) {
                throw new IllegalStateException();
            }
            // The Enhancer class and its FastClass; the very first request also
            // makes the FastClass of OrderRepository itself.
            service.generated(n == 0 ? 3 : 2);
        });
    }
}
