package oomlens.demo;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

/**
 * A multi-tenant reporting service that, for every request, makes a new
 * "tenant" class loader and creates {@link java.lang.reflect.Proxy} wrappers
 * of the JDBC interfaces (Connection, ResultSet, DatabaseMetaData,
 * CallableStatement: big interfaces, so big proxy classes) in it, the way
 * connection-pool and tracing wrappers do. The loaders are kept in a tenant
 * registry that is never cleaned, so nothing is unloaded.
 *
 * <p>The JDK caches a proxy class per (class loader, interfaces), so a new
 * loader means new proxy classes. On JDK 16 and later the classes are named
 * {@code jdk.proxy<M>.$Proxy<N>}, where M numbers the dynamic module the JDK
 * makes for each class loader (one per request here) and N counts proxy
 * classes JVM-wide; JDK 8 to 15 named them {@code com.sun.proxy.$Proxy<N>}.
 */
public final class ProxyLeak {
    static final List<ClassLoader> TENANT_LOADERS = new ArrayList<>();
    static final List<Object[]> TENANT_WRAPPERS = new ArrayList<>();

    static final Class<?>[][] WRAPPED = {
        {Connection.class}, {ResultSet.class}, {DatabaseMetaData.class}, {CallableStatement.class},
    };

    public static void main(String[] args) throws Exception {
        Service service = new Service("ProxyLeak", args, 200);
        InvocationHandler tracing = (proxy, method, margs) -> {
            Class<?> r = method.getReturnType();
            if (r == boolean.class) {
                return false;
            }
            if (r == int.class) {
                return 0;
            }
            if (r == long.class) {
                return 0L;
            }
            return null;
        };
        service.run(n -> {
            ClassLoader tenant = new ClassLoader("tenant-" + n, ProxyLeak.class.getClassLoader()) { };
            Object[] wrappers = new Object[WRAPPED.length];
            for (int i = 0; i < WRAPPED.length; i++) {
                wrappers[i] = Proxy.newProxyInstance(tenant, WRAPPED[i], tracing);
            }
            synchronized (TENANT_LOADERS) {
                TENANT_LOADERS.add(tenant);
                TENANT_WRAPPERS.add(wrappers);
            }
            service.generated(WRAPPED.length);
            ResultSet rs = (ResultSet) wrappers[1];
            if (rs.next()) {
                throw new IllegalStateException();
            }
        });
    }
}
