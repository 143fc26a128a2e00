package oomlens.demo.mapping;

/**
 * Base class of every generated mapper, like Orika's
 * {@code ma.glasnost.orika.impl.GeneratedMapperBase}: the generated subclass
 * overrides {@link #mapAtoB} and {@link #mapBtoA} with straight-line copying
 * code and reaches its converters through {@link #usedConverters}.
 */
public abstract class GeneratedMapperBase {
    protected Object[] usedConverters = new Object[0];
    protected GeneratedMapperBase customMapper;

    public void setUsedConverters(Object[] converters) {
        this.usedConverters = converters;
    }

    public void mapAtoB(Object a, Object b, Object mappingContext) {
    }

    public void mapBtoA(Object b, Object a, Object mappingContext) {
    }
}
