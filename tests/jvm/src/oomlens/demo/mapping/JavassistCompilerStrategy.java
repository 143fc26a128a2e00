package oomlens.demo.mapping;

import java.util.List;

import javassist.ClassPool;
import javassist.CtClass;
import javassist.CtField;
import javassist.CtNewMethod;
import javassist.LoaderClassPath;

/**
 * Turns generated Java source into a class with javassist, the way Orika's
 * {@code ma.glasnost.orika.impl.generator.JavassistCompilerStrategy} does:
 * every strategy (one per mapper factory) has its own {@link ClassPool}
 * ({@code new ClassPool(); appendSystemPath(); insertClassPath(new
 * LoaderClassPath(contextClassLoader))}), makes the class with
 * {@code classPool.makeClass(name)}, compiles fields and methods from source
 * with {@link CtField#make} / {@link CtNewMethod#make}, and defines it with
 * {@code toClass(loader, getClass().getProtectionDomain())}.
 *
 * <p>Orika 1.5.x passes {@code Thread.currentThread().getContextClassLoader()}
 * as the loader, so in a plain or Spring Boot application the generated
 * classes land in the application class loader, which lives as long as the
 * JVM: they can never be unloaded. Pass another loader to define them there.
 */
public class JavassistCompilerStrategy {
    private final ClassPool classPool;
    private final ClassLoader definingLoader;

    /** @param definingLoader where classes are defined; null means the thread context class loader (Orika's behaviour) */
    public JavassistCompilerStrategy(ClassLoader definingLoader) {
        this.definingLoader = definingLoader;
        this.classPool = new ClassPool();
        this.classPool.appendSystemPath();
        this.classPool.insertClassPath(new LoaderClassPath(Thread.currentThread().getContextClassLoader()));
    }

    public Class<?> compileClass(String className, Class<?> superClass, List<String> fields, List<String> methods)
            throws Exception {
        CtClass byteCodeClass = classPool.makeClass(className);
        byteCodeClass.setSuperclass(classPool.get(superClass.getName()));
        for (String fieldDef : fields) {
            byteCodeClass.addField(CtField.make(fieldDef, byteCodeClass));
        }
        for (String methodDef : methods) {
            byteCodeClass.addMethod(CtNewMethod.make(methodDef, byteCodeClass));
        }
        ClassLoader loader = definingLoader != null ? definingLoader : Thread.currentThread().getContextClassLoader();
        Class<?> compiled = byteCodeClass.toClass(loader, getClass().getProtectionDomain());
        byteCodeClass.detach();
        return compiled;
    }
}
