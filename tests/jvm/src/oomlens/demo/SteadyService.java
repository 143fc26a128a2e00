package oomlens.demo;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import net.sf.cglib.proxy.Enhancer;
import net.sf.cglib.proxy.MethodInterceptor;

/**
 * NOT a leak. At start-up (the "warm-up") it builds ~2000 classes: 600 cglib
 * proxies of a repository class (a new Enhancer each, no cache: 1201 classes
 * with their FastClasses) and JDK proxies of four small client interfaces in
 * each of 200 plugin class loaders (800 classes), as a plugin-heavy Spring-
 * style application does. After that it only serves requests through the
 * objects it built: the number of loaded classes and Metaspace stay flat.
 * Run it for a while and stop it with SIGTERM.
 */
public final class SteadyService {
    public static class CatalogRepository {
        public String nameOf(long sku) {
            return "sku-" + sku;
        }

        public int stockOf(long sku) {
            return (int) (sku % 40);
        }
    }

    public interface InventoryClient {
        int available(long sku);
    }

    public interface PricingClient {
        long priceCents(long sku);
    }

    public interface AuditClient {
        void record(String event);
    }

    public interface FeatureFlags {
        boolean enabled(String flag);
    }

    static final Class<?>[] CLIENTS = {InventoryClient.class, PricingClient.class, AuditClient.class, FeatureFlags.class};

    public static void main(String[] args) throws Exception {
        Service service = new Service("SteadyService", args, 2000, 1);
        int cglibCount = (int) Service.longOpt(args, "--warmup-cglib", 600);
        int pluginCount = (int) Service.longOpt(args, "--warmup-plugins", 200);

        service.log("warm-up: " + cglibCount + " cglib proxies, " + pluginCount + " plugin loaders");
        List<CatalogRepository> repos = new ArrayList<>();
        for (int i = 0; i < cglibCount; i++) {
            Enhancer enhancer = new Enhancer();
            enhancer.setSuperclass(CatalogRepository.class);
            enhancer.setUseCache(false);
            enhancer.setCallback((MethodInterceptor) (obj, method, margs, proxy) -> proxy.invokeSuper(obj, margs));
            CatalogRepository repo = (CatalogRepository) enhancer.create();
            repo.nameOf(i); // makes the FastClasses now, not later
            repos.add(repo);
            service.generated(i == 0 ? 3 : 2);
        }
        InvocationHandler handler = (proxy, method, margs) -> {
            Class<?> r = method.getReturnType();
            if (r == int.class) {
                return 7;
            }
            if (r == long.class) {
                return 1999L;
            }
            if (r == boolean.class) {
                return Boolean.TRUE;
            }
            return null;
        };
        List<Object[]> plugins = new ArrayList<>();
        for (int i = 0; i < pluginCount; i++) {
            ClassLoader loader = new ClassLoader("plugin-" + i, SteadyService.class.getClassLoader()) { };
            Object[] clients = new Object[CLIENTS.length];
            for (int c = 0; c < CLIENTS.length; c++) {
                clients[c] = Proxy.newProxyInstance(loader, new Class<?>[] {CLIENTS[c]}, handler);
            }
            plugins.add(clients);
            service.generated(CLIENTS.length);
        }
        service.status("warm-up done: ");

        service.run(n -> {
            CatalogRepository repo = repos.get((int) (n % repos.size()));
            Object[] clients = plugins.get((int) (n % plugins.size()));
            Map<String, Object> response = new HashMap<>();
            response.put("name", repo.nameOf(n));
            response.put("stock", repo.stockOf(n) + ((InventoryClient) clients[0]).available(n));
            response.put("price", ((PricingClient) clients[1]).priceCents(n));
            if (((FeatureFlags) clients[3]).enabled("audit")) {
                ((AuditClient) clients[2]).record("served " + n);
            }
            byte[] body = response.toString().getBytes();
            if (body.length == 0) {
                throw new IllegalStateException();
            }
        });
    }
}
