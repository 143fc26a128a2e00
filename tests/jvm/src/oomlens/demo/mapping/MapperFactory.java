package oomlens.demo.mapping;

import java.beans.BeanInfo;
import java.beans.Introspector;
import java.beans.PropertyDescriptor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small bean mapper built like Orika's {@code DefaultMapperFactory}: the
 * first time a pair of types is mapped it generates a mapper class for that
 * pair (properties with the same name and type are copied, dates through a
 * converter), compiles it with javassist and caches the instance in this
 * factory. The generated class is named as Orika names it:
 * {@code ma.glasnost.orika.generated.Orika_<B>_<A>_Mapper<System.nanoTime()>$<n>}
 * ({@code ClassMap.getMapperClassName()} then
 * {@code SourceCodeContext.makeUniqueClassName()}), where A is the source
 * type, B the destination type and n a JVM-wide counter.
 *
 * <p>The cache lives in the factory. Creating a factory per call (the bug)
 * therefore generates a new class on every call.
 */
public class MapperFactory {
    private static final AtomicInteger UNIQUE_CLASS_INDEX = new AtomicInteger();

    private final JavassistCompilerStrategy compilerStrategy;
    private final Map<String, GeneratedMapperBase> mappers = new HashMap<>();

    public MapperFactory() {
        this(null);
    }

    public MapperFactory(ClassLoader definingLoader) {
        this.compilerStrategy = new JavassistCompilerStrategy(definingLoader);
    }

    public <A, B> B map(A source, Class<B> destinationType) throws Exception {
        GeneratedMapperBase mapper = getMapper(source.getClass(), destinationType);
        B destination = destinationType.getDeclaredConstructor().newInstance();
        mapper.mapAtoB(source, destination, null);
        return destination;
    }

    /** The mapper of this factory for A to B, generated the first time. */
    public GeneratedMapperBase getMapper(Class<?> aType, Class<?> bType) throws Exception {
        String key = aType.getName() + "->" + bType.getName();
        GeneratedMapperBase mapper = mappers.get(key);
        if (mapper == null) {
            mapper = generate(aType, bType);
            mappers.put(key, mapper);
        }
        return mapper;
    }

    private GeneratedMapperBase generate(Class<?> aType, Class<?> bType) throws Exception {
        String className = "ma.glasnost.orika.generated.Orika_" + bType.getSimpleName() + "_" + aType.getSimpleName()
                + "_Mapper" + System.nanoTime() + "$" + UNIQUE_CLASS_INDEX.getAndIncrement();
        List<String> methods = new ArrayList<>();
        methods.add(copyMethod("mapAtoB", aType, bType));
        methods.add(copyMethod("mapBtoA", bType, aType));
        Class<?> compiled = compilerStrategy.compileClass(className, GeneratedMapperBase.class, new ArrayList<>(), methods);
        GeneratedMapperBase instance = (GeneratedMapperBase) compiled.getDeclaredConstructor().newInstance();
        instance.setUsedConverters(new Object[] {Converter.COPY_DATE});
        return instance;
    }

    /** Source of one direction, in the shape of Orika's generated code. */
    private static String copyMethod(String name, Class<?> from, Class<?> to) throws Exception {
        String src = from.getName();
        String dst = to.getName();
        String conv = Converter.class.getName();
        StringBuilder out = new StringBuilder();
        out.append("public void ").append(name).append("(java.lang.Object a, java.lang.Object b, java.lang.Object mappingContext) {\n");
        out.append("super.").append(name).append("(a, b, mappingContext);\n");
        out.append(src).append(" source = ((").append(src).append(")a);\n");
        out.append(dst).append(" destination = ((").append(dst).append(")b);\n");
        Map<String, PropertyDescriptor> targets = new HashMap<>();
        for (PropertyDescriptor p : properties(to)) {
            if (p.getWriteMethod() != null) {
                targets.put(p.getName(), p);
            }
        }
        for (PropertyDescriptor p : properties(from)) {
            PropertyDescriptor t = targets.get(p.getName());
            if (p.getReadMethod() == null || t == null || !t.getPropertyType().equals(p.getPropertyType())) {
                continue;
            }
            Class<?> type = p.getPropertyType();
            String get = "source." + p.getReadMethod().getName() + "()";
            String set = "destination." + t.getWriteMethod().getName();
            if (type.isPrimitive()) {
                out.append(set).append("(").append(get).append(");\n");
            } else if (type == java.util.Date.class) {
                out.append("if ( !(((java.util.Date)").append(get).append(") == null)){\n");
                out.append(set).append("(((java.util.Date)((").append(conv).append(")usedConverters[0]).convert(((java.util.Date)")
                        .append(get).append("), mappingContext)));\n");
                out.append("} else {\n").append(set).append("(null);\n}\n");
            } else {
                out.append("if ( !(((").append(type.getName()).append(")").append(get).append(") == null)){\n");
                out.append(set).append("(((").append(type.getName()).append(")").append(get).append("));\n");
                out.append("} else {\n").append(set).append("(null);\n}\n");
            }
        }
        out.append("if(customMapper != null) {\n customMapper.").append(name).append("(source, destination, mappingContext);\n}\n");
        out.append("}");
        return out.toString();
    }

    private static PropertyDescriptor[] properties(Class<?> type) throws Exception {
        BeanInfo info = Introspector.getBeanInfo(type, Object.class);
        return info.getPropertyDescriptors();
    }
}
