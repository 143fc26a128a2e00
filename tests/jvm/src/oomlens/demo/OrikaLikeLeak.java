package oomlens.demo;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

import oomlens.demo.mapping.GeneratedMapperBase;
import oomlens.demo.mapping.MapperFactory;
import oomlens.demo.model.FieldDetailDTO;
import oomlens.demo.model.FieldVO;

/**
 * The incident: a field-metadata service that builds a new mapper factory on
 * every call instead of sharing one. Each factory generates (javassist) and
 * defines a new mapper class, {@code
 * ma.glasnost.orika.generated.Orika_FieldVO_FieldDetailDTO_Mapper<nanoTime>$<n>},
 * exactly as Orika 1.5.x does. The classes are never unloaded, so Metaspace
 * grows by one class per request until the container's memory limit.
 *
 * <pre>
 * --loader context      (default) define into the thread context class loader,
 *                       as Orika does; nothing but the application class
 *                       loader keeps the classes, and it is never collected.
 * --loader per-factory  give every factory its own class loader and keep the
 *                       mapper it generated in a registry (a static list,
 *                       as code that caches "its" mapper per call does): the
 *                       classes could be unloaded with their loader, but the
 *                       registry keeps mapper, class and loader reachable.
 * </pre>
 *
 * Runs on JDK 16+ only with {@code --add-opens java.base/java.lang=ALL-UNNAMED}
 * (javassist's {@code toClass(ClassLoader, ProtectionDomain)} calls
 * {@code ClassLoader.defineClass} reflectively, as with Orika itself).
 */
public final class OrikaLikeLeak {
    /** Only used with --loader per-factory. */
    static final List<GeneratedMapperBase> MAPPER_REGISTRY = new ArrayList<>();

    /** The loader a factory defines its classes in (--loader per-factory). */
    static final class GeneratedClassLoader extends ClassLoader {
        GeneratedClassLoader(long n) {
            super("mapper-factory-" + n, OrikaLikeLeak.class.getClassLoader());
        }
    }

    public static void main(String[] args) throws Exception {
        String loaderMode = Service.stringOpt(args, "--loader", "context");
        boolean perFactory = loaderMode.equals("per-factory");
        if (!perFactory && !loaderMode.equals("context")) {
            throw new IllegalArgumentException("--loader context|per-factory");
        }
        Service service = new Service("OrikaLikeLeak", args, 500);
        service.log("loader mode: " + loaderMode);
        service.run(n -> {
            FieldDetailDTO row = fetchField(n);
            // The bug: a new factory per call (it should be a singleton).
            MapperFactory factory = perFactory ? new MapperFactory(new GeneratedClassLoader(n)) : new MapperFactory();
            FieldVO vo = factory.map(row, FieldVO.class);
            service.generated(1);
            if (perFactory) {
                GeneratedMapperBase mapper = factory.getMapper(FieldDetailDTO.class, FieldVO.class);
                synchronized (MAPPER_REGISTRY) {
                    MAPPER_REGISTRY.add(mapper);
                }
            }
            if (!vo.getName().equals(row.getName())) {
                throw new IllegalStateException("mapping broke");
            }
        });
    }

    static FieldDetailDTO fetchField(long n) {
        FieldDetailDTO d = new FieldDetailDTO();
        d.setId(n);
        d.setName("col_" + n);
        d.setLabel("Column " + n);
        d.setDataType("varchar");
        d.setLength(255);
        d.setNullable(n % 3 == 0);
        d.setTableName("orders");
        d.setSchemaName("shop");
        d.setDatasourceId(7L);
        d.setCreatedAt(new Date());
        d.setQualityScore(BigDecimal.valueOf(n % 100, 2));
        d.setSortOrder((int) (n % 50));
        return d;
    }
}
