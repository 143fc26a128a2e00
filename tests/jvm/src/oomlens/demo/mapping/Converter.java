package oomlens.demo.mapping;

/** A field converter the generated code calls through {@code usedConverters[i]}. */
public interface Converter {
    Object convert(Object source, Object mappingContext);

    /** Copies mutable dates, as Orika's built-in copy-by-reference exceptions do. */
    Converter COPY_DATE = (source, ctx) -> new java.util.Date(((java.util.Date) source).getTime());
}
