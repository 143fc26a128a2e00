#!/usr/bin/env python3
"""Generate a large, realistic JDK 17 class-loading log with three class-generator leaks.

Used by scripts/bench/classes.sh to benchmark `oomlens classes`.

The file looks like the output of a Spring Boot service started with

    -Xlog:class+load=info,class+unload=info:file=classes.log:time,uptime,level,tags

running for about --hours hours (default 36):

    [2023-12-02T09:14:31.219+0800][0.012s][info][class,load] java.lang.Object source: shared objects file
    [2023-12-03T21:14:31.712+0800][129600.505s][info][class,load  ] ma.glasnost.orika.generated.Orika_...

The JDK pads the tags column to the widest one printed so far, so after the first
`[class,unload]` line the loads read `[class,load  ]`, as in the JDK 17 fixtures
under tests/fixtures/classload/.

Start-up (the first minute or so of uptime): JDK classes from the CDS archive
(`source: shared objects file`) and from modules (`source: jrt:/java.base`), about
20,000 application classes from jars (`source: file:/app/lib/x.jar`, and
`source: jar:file:/app/lib/x.jar!/` for the jars of a plugin class loader), Spring
CGLIB proxies (`$$EnhancerBySpringCGLIB$$`, start-up only), lambdas
(`Host$$Lambda$N/0x...` with `source: Host`, the JDK 17 form) and
`java.lang.invoke.LambdaForm$MH/0x...` hidden classes.

After start-up, until the end of the log:

  LambdaForm$MH/$DMH/$BMH hidden classes, a trickle of lambdas and lazily loaded
  classes (JDK noise, never a leak);
  jdk.internal.reflect.Generated*Accessor<n> and jdk.proxy2.$Proxy<n>, most of
  which are unloaded again by the next class-unloading GC (a `[class,unload]`
  batch every 10 to 40 minutes, together with some LambdaForms);
  three leaking families that keep loading to the end and are never unloaded:
    Orika   ma.glasnost.orika.generated.Orika_<A>_<B>_Mapper<nanotime>$<n>
            source: file:/app/lib/orika-core-1.5.4.jar (bursts of 1-6 mappers)
    cglib   com.acme.Svc$$EnhancerByCGLIB$$<8 hex>   source: __JVM_DefineClass__
    Groovy  Script<n> (+ Script<n>$_run_closure<k>)  source: file:/groovy/shell

Every generated name carries a counter (the cglib hex is a bijection of one), so
no class name repeats.  The file is exactly --size-mib MiB.

Only the python3 standard library is used.  Speed comes from formatting one
decorator prefix per millisecond group, joining bodies behind it, and writing in
~8 MiB blocks.
"""

import argparse
import datetime as dt
import itertools
import json
import math
import random
import sys
import time

MiB = 1024 * 1024

# ---------------------------------------------------------------------------
# vocabulary
# ---------------------------------------------------------------------------

# The first classes every JDK 17 loads, from the CDS archive (as in the fixtures).
JDK_BOOT = """java.lang.Object java.io.Serializable java.lang.Comparable java.lang.CharSequence
java.lang.constant.Constable java.lang.constant.ConstantDesc java.lang.String
java.lang.reflect.AnnotatedElement java.lang.reflect.GenericDeclaration java.lang.reflect.Type
java.lang.invoke.TypeDescriptor java.lang.invoke.TypeDescriptor$OfField java.lang.Class
java.lang.Cloneable java.lang.ClassLoader java.lang.System java.lang.Throwable java.lang.Error
java.lang.ThreadDeath java.lang.Exception java.lang.RuntimeException java.lang.SecurityManager
java.security.ProtectionDomain java.security.AccessControlContext java.security.AccessController
java.security.SecureClassLoader java.lang.ReflectiveOperationException
java.lang.ClassNotFoundException java.lang.Record java.lang.LinkageError
java.lang.NoClassDefFoundError java.lang.ClassCastException java.lang.ArrayStoreException
java.lang.VirtualMachineError java.lang.InternalError java.lang.OutOfMemoryError
java.lang.StackOverflowError java.lang.IllegalMonitorStateException java.lang.ref.Reference
java.lang.ref.SoftReference java.lang.ref.WeakReference java.lang.ref.FinalReference
java.lang.ref.PhantomReference java.lang.ref.Finalizer java.lang.Runnable java.lang.Thread
java.lang.Thread$UncaughtExceptionHandler java.lang.ThreadGroup java.util.Dictionary
java.util.Map java.util.Hashtable java.util.Properties java.lang.Module
java.lang.reflect.AccessibleObject java.lang.reflect.Member java.lang.reflect.Field
java.lang.reflect.Parameter java.lang.reflect.Executable java.lang.reflect.Method
java.lang.reflect.Constructor jdk.internal.reflect.MagicAccessorImpl
jdk.internal.reflect.MethodAccessor jdk.internal.reflect.MethodAccessorImpl
jdk.internal.reflect.ConstructorAccessor jdk.internal.reflect.ConstructorAccessorImpl
jdk.internal.reflect.DelegatingClassLoader jdk.internal.reflect.ConstantPool
jdk.internal.reflect.FieldAccessor jdk.internal.reflect.FieldAccessorImpl
jdk.internal.reflect.UnsafeFieldAccessorImpl jdk.internal.reflect.UnsafeStaticFieldAccessorImpl
java.lang.annotation.Annotation jdk.internal.reflect.CallerSensitive
jdk.internal.vm.annotation.IntrinsicCandidate java.lang.invoke.MethodHandle
java.lang.invoke.DirectMethodHandle java.lang.invoke.VarHandle java.lang.invoke.MemberName
java.lang.invoke.ResolvedMethodName java.lang.invoke.MethodHandleNatives
java.lang.invoke.LambdaForm java.lang.invoke.TypeDescriptor$OfMethod java.lang.invoke.MethodType
java.lang.BootstrapMethodError java.lang.invoke.CallSite java.lang.invoke.ConstantCallSite
java.lang.invoke.MutableCallSite java.lang.invoke.VolatileCallSite java.lang.AssertionStatusDirectives
java.lang.StringBuffer java.lang.StringBuilder jdk.internal.misc.UnsafeConstants
jdk.internal.misc.Unsafe jdk.internal.module.Modules java.io.AutoCloseable java.io.Closeable
java.io.InputStream java.io.ByteArrayInputStream java.net.URL java.util.jar.Manifest
jdk.internal.loader.BuiltinClassLoader jdk.internal.loader.ClassLoaders
jdk.internal.loader.ClassLoaders$AppClassLoader jdk.internal.loader.ClassLoaders$PlatformClassLoader
java.security.CodeSource java.util.concurrent.ConcurrentMap java.util.AbstractMap
java.util.concurrent.ConcurrentHashMap java.lang.Iterable java.util.Collection
java.util.AbstractCollection java.util.List java.util.AbstractList java.util.RandomAccess
java.util.ArrayList java.lang.StackTraceElement java.nio.Buffer java.lang.StackWalker
java.lang.StackStreamFactory$AbstractStackWalker java.lang.StackWalker$StackFrame
java.lang.StackFrameInfo java.lang.LiveStackFrame java.lang.LiveStackFrameInfo
java.util.concurrent.locks.AbstractOwnableSynchronizer java.lang.Boolean java.lang.Character
java.lang.Number java.lang.Float java.lang.Double java.lang.Byte java.lang.Short
java.lang.Integer java.lang.Long java.util.Iterator java.lang.reflect.RecordComponent
jdk.internal.vm.vector.VectorSupport jdk.internal.vm.vector.VectorSupport$VectorPayload
java.lang.Integer$IntegerCache java.lang.Long$LongCache java.lang.Byte$ByteCache
java.lang.Short$ShortCache java.lang.Character$CharacterCache java.util.jar.Attributes$Name
java.util.ImmutableCollections$AbstractImmutableCollection java.util.ImmutableCollections$AbstractImmutableSet
java.util.ImmutableCollections$Set12 java.util.ImmutableCollections$SetN
java.util.ImmutableCollections$AbstractImmutableList java.util.ImmutableCollections$ListN
java.util.ImmutableCollections$List12 java.util.ImmutableCollections$MapN
jdk.internal.module.ArchivedModuleGraph java.lang.module.ModuleFinder
jdk.internal.module.SystemModuleFinders$SystemModuleFinder java.util.HashMap java.util.HashMap$Node
java.util.Set java.util.AbstractSet java.util.HashSet java.lang.module.ModuleDescriptor
java.lang.module.ModuleReference jdk.internal.module.ModuleReferenceImpl
java.lang.module.Configuration java.lang.module.ResolvedModule java.util.function.Function
jdk.internal.module.ModuleLoaderMap$Mapper java.lang.ModuleLayer
jdk.internal.math.FDBigInteger java.lang.NullPointerException java.lang.ArithmeticException
java.io.ObjectStreamField java.util.Comparator java.lang.String$CaseInsensitiveComparator
jdk.internal.misc.VM java.lang.Module$ArchivedData java.lang.CharacterDataLatin1
java.lang.ref.Reference$ReferenceHandler java.lang.ref.Finalizer$FinalizerThread
java.io.FileDescriptor java.io.FileInputStream java.io.FileOutputStream java.io.OutputStream
java.io.FilterOutputStream java.io.PrintStream java.io.BufferedOutputStream java.io.Writer
java.io.OutputStreamWriter sun.nio.cs.StreamEncoder java.nio.charset.Charset
sun.nio.cs.UTF_8 java.lang.Runtime java.util.concurrent.locks.ReentrantLock
java.lang.Terminator jdk.internal.misc.Signal java.lang.ThreadLocal java.util.Objects""".split()

# Module -> packages, for JDK classes loaded from the runtime image (and, for
# java.base, the CDS archive).
JDK_MODULES = [
    ("java.base", ["java.util", "java.util.concurrent", "java.util.concurrent.atomic", "java.util.regex",
                   "java.util.stream", "java.util.function", "java.time", "java.time.format", "java.time.temporal",
                   "java.nio", "java.nio.channels", "java.nio.file", "java.net", "java.io", "java.security",
                   "java.lang.invoke", "java.lang.reflect", "java.math", "java.text", "sun.nio.ch", "sun.nio.fs",
                   "sun.net.www.protocol.jar", "sun.security.ssl", "sun.security.util", "sun.security.x509",
                   "sun.util.locale", "jdk.internal.loader", "jdk.internal.misc", "javax.net.ssl",
                   "javax.crypto", "sun.security.provider", "java.util.zip", "java.util.jar"], 1400),
    ("java.logging", ["java.util.logging"], 60),
    ("java.sql", ["java.sql", "javax.sql"], 50),
    ("java.management", ["javax.management", "java.lang.management", "sun.management",
                         "javax.management.openmbean", "com.sun.jmx.mbeanserver"], 260),
    ("jdk.management", ["com.sun.management", "com.sun.management.internal"], 40),
    ("java.naming", ["javax.naming", "javax.naming.directory", "com.sun.jndi.ldap"], 60),
    ("java.xml", ["javax.xml.parsers", "com.sun.org.apache.xerces.internal.jaxp",
                  "com.sun.org.apache.xerces.internal.impl", "org.xml.sax", "org.w3c.dom"], 220),
    ("java.desktop", ["java.beans", "com.sun.beans.introspect", "java.awt"], 90),
    ("jdk.unsupported", ["sun.misc"], 12),
    ("java.net.http", ["java.net.http", "jdk.internal.net.http"], 70),
    ("jdk.crypto.ec", ["sun.security.ec"], 30),
    ("java.transaction.xa", ["javax.transaction.xa"], 6),
]

# (jar, packages, number of classes, loaded by a plugin URLClassLoader -> `jar:file:...!/`)
JARS = [
    ("spring-core-5.3.31.jar", ["org.springframework.core", "org.springframework.core.annotation",
                                "org.springframework.core.io", "org.springframework.core.io.support",
                                "org.springframework.util", "org.springframework.core.convert.support",
                                "org.springframework.core.env", "org.springframework.asm",
                                "org.springframework.cglib.proxy", "org.springframework.cglib.core"], 1200, False),
    ("spring-beans-5.3.31.jar", ["org.springframework.beans", "org.springframework.beans.factory",
                                 "org.springframework.beans.factory.support",
                                 "org.springframework.beans.factory.annotation",
                                 "org.springframework.beans.factory.config"], 700, False),
    ("spring-context-5.3.31.jar", ["org.springframework.context", "org.springframework.context.annotation",
                                   "org.springframework.context.support", "org.springframework.context.event",
                                   "org.springframework.scheduling.annotation",
                                   "org.springframework.validation"], 900, False),
    ("spring-aop-5.3.31.jar", ["org.springframework.aop", "org.springframework.aop.framework",
                               "org.springframework.aop.support", "org.springframework.aop.aspectj"], 350, False),
    ("spring-web-5.3.31.jar", ["org.springframework.web", "org.springframework.web.bind",
                               "org.springframework.web.client", "org.springframework.http",
                               "org.springframework.http.converter", "org.springframework.web.filter"], 800, False),
    ("spring-webmvc-5.3.31.jar", ["org.springframework.web.servlet", "org.springframework.web.servlet.mvc",
                                  "org.springframework.web.servlet.mvc.method.annotation",
                                  "org.springframework.web.servlet.handler"], 650, False),
    ("spring-boot-2.7.18.jar", ["org.springframework.boot", "org.springframework.boot.context",
                                "org.springframework.boot.context.properties", "org.springframework.boot.web",
                                "org.springframework.boot.logging", "org.springframework.boot.env"], 1100, False),
    ("spring-boot-autoconfigure-2.7.18.jar", ["org.springframework.boot.autoconfigure",
                                              "org.springframework.boot.autoconfigure.web",
                                              "org.springframework.boot.autoconfigure.jdbc",
                                              "org.springframework.boot.autoconfigure.condition",
                                              "org.springframework.boot.autoconfigure.jackson"], 1300, False),
    ("spring-jdbc-5.3.31.jar", ["org.springframework.jdbc.core", "org.springframework.jdbc.datasource",
                                "org.springframework.jdbc.support"], 300, False),
    ("spring-tx-5.3.31.jar", ["org.springframework.transaction", "org.springframework.transaction.support",
                              "org.springframework.transaction.interceptor"], 250, False),
    ("tomcat-embed-core-9.0.83.jar", ["org.apache.catalina", "org.apache.catalina.core", "org.apache.coyote",
                                      "org.apache.coyote.http11", "org.apache.tomcat.util.net",
                                      "org.apache.tomcat.util.buf", "org.apache.catalina.connector"], 1400, False),
    ("jackson-databind-2.13.5.jar", ["com.fasterxml.jackson.databind", "com.fasterxml.jackson.databind.deser",
                                     "com.fasterxml.jackson.databind.ser", "com.fasterxml.jackson.databind.introspect",
                                     "com.fasterxml.jackson.databind.type"], 800, False),
    ("jackson-core-2.13.5.jar", ["com.fasterxml.jackson.core", "com.fasterxml.jackson.core.json",
                                 "com.fasterxml.jackson.core.util"], 150, False),
    ("hibernate-core-5.6.15.Final.jar", ["org.hibernate", "org.hibernate.internal", "org.hibernate.engine.spi",
                                         "org.hibernate.persister.entity", "org.hibernate.loader",
                                         "org.hibernate.type", "org.hibernate.boot.model"], 1700, False),
    ("HikariCP-4.0.3.jar", ["com.zaxxer.hikari", "com.zaxxer.hikari.pool", "com.zaxxer.hikari.util"], 90, False),
    ("postgresql-42.6.0.jar", ["org.postgresql", "org.postgresql.core", "org.postgresql.jdbc",
                               "org.postgresql.core.v3", "org.postgresql.util"], 300, False),
    ("logback-classic-1.2.12.jar", ["ch.qos.logback.classic", "ch.qos.logback.classic.spi",
                                    "ch.qos.logback.classic.pattern"], 200, False),
    ("logback-core-1.2.12.jar", ["ch.qos.logback.core", "ch.qos.logback.core.rolling",
                                 "ch.qos.logback.core.joran", "ch.qos.logback.core.pattern"], 260, False),
    ("slf4j-api-1.7.36.jar", ["org.slf4j", "org.slf4j.helpers", "org.slf4j.spi"], 35, False),
    ("guava-32.1.3-jre.jar", ["com.google.common.collect", "com.google.common.base", "com.google.common.cache",
                              "com.google.common.util.concurrent", "com.google.common.io"], 900, False),
    ("commons-lang3-3.12.0.jar", ["org.apache.commons.lang3", "org.apache.commons.lang3.time",
                                  "org.apache.commons.lang3.builder"], 120, False),
    ("netty-transport-4.1.100.Final.jar", ["io.netty.channel", "io.netty.channel.nio", "io.netty.bootstrap"], 300, False),
    ("netty-buffer-4.1.100.Final.jar", ["io.netty.buffer"], 120, False),
    ("netty-common-4.1.100.Final.jar", ["io.netty.util", "io.netty.util.concurrent", "io.netty.util.internal"], 250, False),
    ("micrometer-core-1.9.17.jar", ["io.micrometer.core.instrument", "io.micrometer.core.instrument.binder",
                                    "io.micrometer.core.instrument.distribution"], 260, False),
    ("orika-core-1.5.4.jar", ["ma.glasnost.orika", "ma.glasnost.orika.impl", "ma.glasnost.orika.metadata",
                              "ma.glasnost.orika.impl.generator", "ma.glasnost.orika.converter"], 280, False),
    ("javassist-3.29.2-GA.jar", ["javassist", "javassist.bytecode", "javassist.compiler"], 260, False),
    ("cglib-3.3.0.jar", ["net.sf.cglib.proxy", "net.sf.cglib.core", "net.sf.cglib.reflect"], 120, False),
    ("asm-7.1.jar", ["org.objectweb.asm", "org.objectweb.asm.signature"], 40, False),
    # A plugin class loader (rules engine): jar: URLs.
    ("groovy-3.0.19.jar", ["groovy.lang", "org.codehaus.groovy.runtime", "org.codehaus.groovy.reflection",
                           "org.codehaus.groovy.ast", "org.codehaus.groovy.control",
                           "org.codehaus.groovy.classgen", "org.codehaus.groovy.vmplugin.v8"], 1500, True),
    ("acme-rules-plugin-3.2.0.jar", ["com.acme.rules", "com.acme.rules.dsl", "com.acme.rules.eval"], 180, True),
    ("drools-core-7.74.1.Final.jar", ["org.drools.core", "org.drools.core.common", "org.drools.core.reteoo"], 500, True),
    # The application itself.
    ("acme-order-service-2.14.0.jar", ["com.acme.order", "com.acme.order.web", "com.acme.order.service",
                                       "com.acme.order.repository", "com.acme.order.domain", "com.acme.config",
                                       "com.acme.pricing", "com.acme.billing", "com.acme.dto",
                                       "com.acme.order.client", "com.acme.order.mapping"], 1400, False),
]
APP_JAR = "acme-order-service-2.14.0.jar"
GROOVY_JAR = "groovy-3.0.19.jar"

PREFIX_WORDS = ["Abstract", "Default", "Simple", "Generic", "Cached", "Standard", "Composite", "Delegating",
                "Base", "Concurrent", "Lazy", "Annotation", "Configurable", "Reactive", "Async", "Bean", "Web",
                "Http", "Json", "Jdbc", "Type", "Method", "Field", "Property", "Resource", "Class", "Message",
                "Request", "Session", "Transaction", "Entity", "Metadata", "Context", "Application", "Event",
                "Local", "Remote", "Shared", "Static", "Dynamic", "Mutable", "Immutable", "Ordered", "Scoped"]
CORE_WORDS = ["Bean", "Factory", "Context", "Resolver", "Handler", "Mapper", "Converter", "Registry", "Provider",
              "Processor", "Listener", "Adapter", "Filter", "Support", "Utils", "Source", "Loader", "Reader",
              "Writer", "Builder", "Configuration", "Descriptor", "Definition", "Attribute", "Accessor",
              "Introspector", "Cache", "Executor", "Task", "Scheduler", "Template", "Codec", "Buffer", "Channel",
              "Pipeline", "Serializer", "Deserializer", "Module", "Node", "Parser", "Token", "Expression",
              "Evaluator", "Invoker", "Strategy", "Policy", "Manager", "Service", "Client", "Server", "Endpoint",
              "Interceptor", "Advisor", "Matcher", "Generator", "Visitor", "Validator", "Binder", "Locator",
              "Holder", "Wrapper", "Helper", "Initializer", "Customizer", "Selector", "Condition", "Exception",
              "Collector", "Iterator", "Spliterator", "Entry", "Key", "Value", "Pool", "Connection", "Statement",
              "Stream", "Decoder", "Encoder", "Formatter", "Locale", "Zone", "Clock", "Counter", "Gauge", "Timer"]
SUFFIX_WORDS = ["", "", "", "", "Impl", "Support", "Utils", "Adapter", "Factory", "Exception", "Registry",
                "Bean", "Config", "Helper", "Listener", "Aware"]
INNER_WORDS = ["Builder", "Entry", "Node", "Holder", "Key", "Itr", "Sync", "Segment", "Type", "Kind", "State",
               "Config", "Result", "Callback", "Visitor", "Cache", "Default", "Empty", "Values", "KeySet"]

ACME_ROLES = ["Controller", "Service", "ServiceImpl", "Repository", "Config", "Configuration", "Client",
              "Mapper", "Dto", "Entity", "Validator", "Listener", "Properties", "Handler", "Scheduler"]
ACME_NOUNS = ["Order", "OrderLine", "Customer", "Invoice", "Payment", "Shipment", "Quote", "Price", "PriceRule",
              "Discount", "Coupon", "Cart", "Product", "Catalog", "Inventory", "Warehouse", "Address", "Tax",
              "Refund", "Return", "Subscription", "Account", "Tenant", "Audit", "Notification", "Report",
              "Carrier", "Rate", "Currency", "Promotion", "Voucher", "Ledger", "Settlement", "Fulfillment"]

ORIKA_PAIRS = [("OrderDTO", "Order"), ("OrderLineDTO", "OrderLine"), ("CustomerVO", "Customer"),
               ("AddressVO", "Address"), ("InvoiceDTO", "Invoice"), ("PaymentDTO", "PaymentEntity"),
               ("ShipmentVO", "Shipment"), ("QuoteDTO", "Quote"), ("PriceRuleVO", "PriceRule"),
               ("FieldVO", "FieldDetailDTO"), ("CartItemDTO", "CartItem"), ("ProductVO", "ProductEntity"),
               ("TaxLineDTO", "TaxLine"), ("RefundVO", "RefundDTO"), ("LedgerEntryDTO", "LedgerEntry"),
               ("Order", "OrderDTO"), ("Customer", "CustomerVO"), ("Invoice", "InvoiceDTO")]
ORIKA_SRC = "file:/app/lib/orika-core-1.5.4.jar"
CGLIB_BASES = [("com.acme.Svc", 5), ("com.acme.pricing.QuoteSvc", 3), ("com.acme.billing.InvoiceSvc", 2)]
CGLIB_SRC = "__JVM_DefineClass__"
GROOVY_SRC = "file:/groovy/shell"
LF_SRC = "__JVM_LookupDefineClass__"
DEFINE_SRC = "__JVM_DefineClass__"
PROXY_SRC = "__dynamic_proxy__"

# Words of each length 2..12, for names of an exact length (end of file).
EXACT_WORDS = ["Io", "Id", "Api", "Dao", "Sql", "Bean", "Node", "Cache", "Event", "Config", "Holder", "Handler",
               "Adapter", "Resolver", "Provider", "Processor", "Converter", "Repository", "Descriptor",
               "Initializer", "Interceptor", "Registration", "Configurer", "Scheduled", "Mapping", "Batch",
               "Job", "Step", "Retry", "Fallback", "Support", "Gateway"]


class Names:
    """Unique ordinary class names."""

    def __init__(self, r):
        self.r = r
        self.seen = set()

    def add(self, name):
        if name in self.seen:
            return False
        self.seen.add(name)
        return True

    def camel(self):
        r = self.r
        w = r.choice(CORE_WORDS)
        if r.random() < 0.6:
            w = r.choice(PREFIX_WORDS) + w
        if r.random() < 0.3:
            w = w + r.choice(CORE_WORDS)
        return w + r.choice(SUFFIX_WORDS)

    def classes(self, packages, n):
        """n unique names in these packages, with some inner and anonymous classes."""
        r = self.r
        out = []
        tries = 0
        while len(out) < n and tries < n * 20:
            tries += 1
            name = "%s.%s" % (r.choice(packages), self.camel())
            if not self.add(name):
                continue
            out.append(name)
            x = r.random()
            if x < 0.12 and len(out) < n:
                inner = "%s$%s" % (name, r.choice(INNER_WORDS))
                if self.add(inner):
                    out.append(inner)
            elif x < 0.18:
                for k in range(1, r.randint(1, 3) + 1):
                    if len(out) < n and self.add("%s$%d" % (name, k)):
                        out.append("%s$%d" % (name, k))
        return out


def jar_source(jar, plugin):
    if plugin:
        return "jar:file:/app/lib/plugins/%s!/" % jar
    return "file:/app/lib/%s" % jar


# ---------------------------------------------------------------------------
# main writer
# ---------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size-mib", type=int, default=1024, help="output size in MiB (file is exactly this size)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", required=True, help="output path ('-' for stdout)")
    ap.add_argument("--hours", type=float, default=36.0, help="uptime covered by the log (default 36)")
    ap.add_argument("--start", default="2023-12-02T09:14:31.207",
                    help="wall clock at JVM start (uptime 0), local time; printed with --tz")
    ap.add_argument("--tz", default="+0800", help="UTC offset printed in the time decorator")
    ap.add_argument("--summary", help="also write the counts as JSON to this path")
    args = ap.parse_args()
    if args.size_mib < 1:
        ap.error("--size-mib must be >= 1")

    t_start = time.monotonic()
    target = args.size_mib * MiB
    r = random.Random(args.seed)
    rand = r.random
    randrange = r.randrange
    randint = r.randint
    choice = r.choice

    # ------------------------------------------------------------- clock
    start = dt.datetime.fromisoformat(args.start)
    midnight = dt.datetime(start.year, start.month, start.day)
    start_ms_of_day = int((start - midnight).total_seconds() * 1000)
    day_cache = {}
    tz = args.tz

    state = {"tag": "[class,load]"}
    cur = {"prefix": "", "uprefix": "", "ms": -1}

    def set_ms(ms):
        """Decorator prefixes for uptime `ms`."""
        if ms == cur["ms"]:
            return
        cur["ms"] = ms
        wall = start_ms_of_day + ms
        day, msd = divmod(wall, 86400000)
        ds = day_cache.get(day)
        if ds is None:
            ds = (midnight + dt.timedelta(days=day)).strftime("%Y-%m-%d")
            day_cache[day] = ds
        h, rem = divmod(msd, 3600000)
        m, rem = divmod(rem, 60000)
        s, milli = divmod(rem, 1000)
        us, um = divmod(ms, 1000)
        deco = "[%sT%02d:%02d:%02d.%03d%s][%d.%03ds][info]" % (ds, h, m, s, milli, tz, us, um)
        cur["prefix"] = deco + state["tag"] + " "
        cur["uprefix"] = deco + "[class,unload] unloading class "

    # ------------------------------------------------------------- output
    out = sys.stdout.buffer if args.out == "-" else open(args.out, "wb")
    buf = []
    st = {"buflen": 0, "written": 0, "lines": 0, "loads_seen": 0}
    FLUSH = 8 * MiB

    def flush():
        if not buf:
            return
        data = "".join(buf).encode("ascii")
        st["lines"] += data.count(b"\n")
        st["loads_seen"] += data.count(b"][class,load")
        out.write(data)
        buf.clear()
        st["buflen"] = 0

    def emit(s):
        buf.append(s)
        n = len(s)
        st["buflen"] += n
        st["written"] += n
        if st["buflen"] >= FLUSH:
            flush()

    counts = {"jdk": 0, "app": 0, "spring-cglib": 0, "lambda": 0, "lambdaform": 0, "accessor": 0,
              "proxy": 0, "orika": 0, "cglib": 0, "groovy": 0, "late": 0}
    unloads = {"accessor": 0, "proxy": 0, "lambdaform": 0}

    def loads(kind, bodies):
        """One millisecond group of load lines."""
        if not bodies:
            return
        p = cur["prefix"]
        emit(p + p.join(bodies))
        counts[kind] += len(bodies)

    # ------------------------------------------------------------- metaspace addresses
    addr = [0x00007F4199000000 + (randrange(1 << 16) << 10)]

    def next_addr(hidden):
        if hidden:
            addr[0] += randint(1, 4) << 10
        else:
            addr[0] += randint(40, 300) << 3
        return addr[0]

    # Classes the next class-unloading GC may unload: (name, addr)
    pending = {"accessor": [], "proxy": [], "lambdaform": []}
    PENDING_CAP = 1500

    def lambdaform_body():
        a = next_addr(True)
        x = rand()
        kind = "MH" if x < 0.8 else ("DMH" if x < 0.92 else "BMH")
        name = "java.lang.invoke.LambdaForm$%s/0x%016x" % (kind, a)
        lf = pending["lambdaform"]
        lf.append((name, a))
        if len(lf) > PENDING_CAP:
            del lf[: len(lf) - PENDING_CAP]
        return "%s source: %s\n" % (name, LF_SRC)

    ctr = {"lambda": 0, "method_acc": 0, "ctor_acc": 0, "ser_acc": 0, "proxy": 0, "orika": 0, "cglib": 0,
           "groovy": 0}

    def lambda_body(host):
        ctr["lambda"] += 1
        return "%s$$Lambda$%d/0x%016x source: %s\n" % (host, ctr["lambda"], next_addr(True), host)

    def accessor_body():
        x = rand()
        if x < 0.75:
            ctr["method_acc"] += 1
            name = "jdk.internal.reflect.GeneratedMethodAccessor%d" % ctr["method_acc"]
        elif x < 0.92:
            ctr["ctor_acc"] += 1
            name = "jdk.internal.reflect.GeneratedConstructorAccessor%d" % ctr["ctor_acc"]
        else:
            ctr["ser_acc"] += 1
            name = "jdk.internal.reflect.GeneratedSerializationConstructorAccessor%d" % ctr["ser_acc"]
        pending["accessor"].append((name, next_addr(False)))
        return "%s source: %s\n" % (name, DEFINE_SRC)

    def proxy_body():
        name = "jdk.proxy2.$Proxy%d" % ctr["proxy"]
        ctr["proxy"] += 1
        pending["proxy"].append((name, next_addr(False)))
        return "%s source: %s\n" % (name, PROXY_SRC)

    def unload_batch(fraction):
        """A class-unloading GC: unload most pending accessors and proxies, and some LambdaForms."""
        lines = []
        for kind, frac in (("lambdaform", fraction * 0.35), ("accessor", fraction), ("proxy", fraction)):
            keep = []
            gone = []
            for item in pending[kind]:
                (gone if rand() < frac else keep).append(item)
            pending[kind] = keep
            gone.reverse()  # the JDK prints the newest first
            for name, a in gone:
                lines.append("%s 0x%016x\n" % (name, a))
            unloads[kind] += len(gone)
        if not lines:
            return
        state["tag"] = "[class,load  ]"  # the JDK pads tags to the widest printed so far
        cur["ms"] = -1
        set_ms(now[0])
        up = cur["uprefix"]
        emit(up + up.join(lines))

    # ------------------------------------------------------------- the world
    names = Names(r)
    # Small files get a smaller application (start-up is ~4 MiB at full size).
    scale = min(1.0, args.size_mib / 32.0)
    jdk_shared = [n for n in JDK_BOOT if names.add(n)]
    jdk_more = []  # (name, source)
    for mod, pkgs, n in JDK_MODULES:
        for name in names.classes(pkgs, max(2, int(n * scale))):
            src = "shared objects file" if (mod == "java.base" and rand() < 0.55) else "jrt:/%s" % mod
            jdk_more.append((name, src))
    app = []  # (name, source)
    jar_classes = {}
    for jar, pkgs, n, plugin in JARS:
        src = jar_source(jar, plugin)
        n = max(3, int(n * scale))
        if jar == APP_JAR:
            lst = []
            for pkg in pkgs:
                for noun in ACME_NOUNS:
                    for role in r.sample(ACME_ROLES, randint(1, 4)):
                        nm = "%s.%s%s" % (pkg, noun, role)
                        if names.add(nm):
                            lst.append(nm)
            lst = lst[:n] + names.classes(pkgs, max(0, n - len(lst)))
            lst += [nm for nm in ("com.acme.Svc", "com.acme.pricing.QuoteSvc", "com.acme.billing.InvoiceSvc")
                    if names.add(nm)]
            lst += ["com.acme.dto.%s" % a for a, _ in ORIKA_PAIRS if names.add("com.acme.dto.%s" % a)]
        else:
            lst = names.classes(pkgs, n)
        jar_classes[jar] = lst
        app.extend((nm, src) for nm in lst)
    r.shuffle(app)
    r.shuffle(jdk_more)
    # A few percent of the classes are first used hours after start-up.
    n_late = len(app) // 25
    late = app[:n_late] + jdk_more[: len(jdk_more) // 40]
    app = app[n_late:]
    jdk_more = jdk_more[len(jdk_more) // 40:]
    r.shuffle(late)
    lambda_hosts = [nm for nm, _ in app if "$" not in nm and (nm.startswith("com.acme") or rand() < 0.25)]
    jdk_lambda_hosts = ["jdk.internal.module.ModuleBootstrap", "java.lang.Module", "java.lang.WeakPairMap",
                        "java.lang.ProcessHandleImpl", "java.util.stream.Collectors", "java.util.regex.Pattern",
                        "java.util.Comparator", "java.lang.invoke.StringConcatFactory",
                        "sun.management.spi.PlatformMBeanProvider", "java.lang.management.ManagementFactory"]
    spring_targets = [nm for nm in jar_classes[APP_JAR]
                      if "$" not in nm and nm.endswith(("Controller", "Service", "ServiceImpl", "Repository",
                                                        "Config", "Configuration", "Scheduler", "Client"))]
    spring_targets += [nm for nm in jar_classes["spring-boot-autoconfigure-2.7.18.jar"]
                       if nm.endswith("Configuration") and "$" not in nm]
    r.shuffle(spring_targets)
    spring_targets = spring_targets[:max(100, int(700 * scale))]
    app_src = jar_source(APP_JAR, False)
    boot_src = jar_source("spring-boot-autoconfigure-2.7.18.jar", False)

    now = [0]  # uptime in ms

    # ------------------------------------------------------------- start-up
    # JDK boot: the CDS archive, then modules, a few hidden classes and lambdas.
    now[0] = 10 + randrange(3)
    i = 0
    while i < len(jdk_shared):
        k = randint(20, 120)
        set_ms(now[0])
        loads("jdk", ["%s source: shared objects file\n" % n for n in jdk_shared[i:i + k]])
        i += k
        now[0] += randint(0, 2)
    n_boot_more = len(jdk_more) // 3
    i = 0
    while i < n_boot_more:
        k = randint(1, 25)
        set_ms(now[0])
        loads("jdk", ["%s source: %s\n" % x for x in jdk_more[i:i + k]])
        i += k
        if rand() < 0.2:
            loads("lambdaform", [lambdaform_body() for _ in range(randint(1, 4))])
        if rand() < 0.05:
            loads("lambda", [lambda_body(choice(jdk_lambda_hosts))])
        now[0] += randint(0, 6)
    # The first class-unloading GC of the run (hidden classes of the JDK's own start-up).
    now[0] += randint(1500, 4000)
    unload_batch(0.5)

    # Application start-up: ~20k classes, lambdas, LambdaForms, then the Spring proxies.
    rest = jdk_more[n_boot_more:]
    items = [("app", "%s source: %s\n" % x) for x in app]
    items += [("jdk", "%s source: %s\n" % x) for x in rest]
    r.shuffle(items)
    # Spring creates its proxies once the bean definitions are read: the second half of start-up.
    half = len(items) // 3
    proxies = []
    for tgt in spring_targets:
        h = "%08x" % r.getrandbits(32)
        src = boot_src if tgt.startswith("org.") else app_src
        proxies.append(("spring-cglib", "%s$$EnhancerBySpringCGLIB$$%s source: %s\n" % (tgt, h, src)))
    tail = items[half:] + proxies
    r.shuffle(tail)
    items = items[:half] + tail
    startup_ms = randint(35000, 55000)
    t0 = now[0]
    step = startup_ms / max(1, len(items) / 8.0)
    i = 0
    while i < len(items):
        k = randint(1, 15)
        set_ms(int(now[0]))
        group = items[i:i + k]
        i += k
        # one group is one kind of line (a class and its dependencies)
        by_kind = {}
        for kind, body in group:
            by_kind.setdefault(kind, []).append(body)
        for kind, bodies in by_kind.items():
            loads(kind, bodies)
        x = rand()
        if x < 0.10:
            loads("lambda", [lambda_body(choice(lambda_hosts)) for _ in range(randint(1, 3))])
        elif x < 0.17:
            loads("lambdaform", [lambdaform_body() for _ in range(randint(1, 5))])
        elif x < 0.18:
            loads("accessor", [accessor_body()])
        elif x < 0.185:
            loads("proxy", [proxy_body()])
        now[0] += rand() * 2 * step
    now[0] = int(now[0])
    startup_end = now[0]

    # ------------------------------------------------------------- steady state
    span_ms = args.hours * 3600000.0
    steady_ms = max(1.0, span_ms - startup_end)

    # (kind, probability weight, mean lines per event)
    EVENTS = [("lambdaform", 12.0, 2.5), ("orika", 4.0, 3.5), ("cglib", 7.5, 2.0), ("groovy", 5.0, 2.5),
              ("accessor", 1.5, 1.0), ("proxy", 1.0, 1.0), ("lambda", 1.0, 1.5), ("late", 0.05, 3.0)]
    kinds = [e[0] for e in EVENTS]
    weights = [e[1] for e in EVENTS]
    cum_weights = list(itertools.accumulate(weights))
    mean_lines = sum(e[1] * e[2] for e in EVENTS) / sum(weights)
    # Each step of the loop below emits 1-3 events at one millisecond. The step
    # length is re-estimated as the file fills, so the log ends near --hours.
    avg_line = 180.0
    est_steps = max(1.0, (target - st["written"]) / (avg_line * mean_lines * 2.0))
    mean_step = steady_ms / est_steps
    pace_every = 4096

    orika_nano = [randint(2_900_000_000_000, 3_100_000_000_000)]
    cglib_bases = [b for b, w in CGLIB_BASES for _ in range(w)]

    def orika_event():
        # A new MapperFactory per call generates the mappers the call needs again.
        bodies = []
        pairs = r.sample(ORIKA_PAIRS, randint(1, 6))
        nano = orika_nano[0] + now[0] * 1_000_000 + randrange(1_000_000)
        for a, b in pairs:
            ctr["orika"] += 1
            nano += randint(200_000, 900_000)
            bodies.append("ma.glasnost.orika.generated.Orika_%s_%s_Mapper%d$%d source: %s\n"
                          % (a, b, nano, ctr["orika"], ORIKA_SRC))
        return bodies

    def cglib_one():
        ctr["cglib"] += 1
        h = (ctr["cglib"] * 0x9E3779B1 + 0x3C6EF372) & 0xFFFFFFFF  # a bijection: unique for 2^32 classes
        return "%s$$EnhancerByCGLIB$$%08x source: %s\n" % (choice(cglib_bases), h, CGLIB_SRC)

    def groovy_event():
        ctr["groovy"] += 1
        n = ctr["groovy"]
        bodies = ["Script%d source: %s\n" % (n, GROOVY_SRC)]
        for k in range(1, r.choice((0, 0, 1, 1, 1, 2, 2, 3, 4)) + 1):
            bodies.append("Script%d$_run_closure%d source: %s\n" % (n, k, GROOVY_SRC))
        return bodies

    def make_event(kind):
        if kind == "lambdaform":
            return [lambdaform_body() for _ in range(randint(1, 4))]
        if kind == "orika":
            return orika_event()
        if kind == "cglib":
            return [cglib_one() for _ in range(randint(1, 3))]
        if kind == "groovy":
            return groovy_event()
        if kind == "accessor":
            return [accessor_body()]
        if kind == "proxy":
            return [proxy_body()]
        if kind == "lambda":
            return [lambda_body(choice(lambda_hosts)) for _ in range(randint(1, 2))]
        if kind == "late":
            k = min(len(late), randint(1, 5))
            return ["%s source: %s\n" % late.pop() for _ in range(k)]
        raise AssertionError(kind)

    # End of file: leak lines one at a time, then 15 or 16 lines of chosen lengths.
    EXACT_SRC = app_src
    by_len = {}
    for w in EXACT_WORDS:
        by_len.setdefault(len(w), []).append(w)
    assert all(n in by_len for n in range(2, 13))
    exact_pkg = "com.acme.order.support."
    max_prefix = len("[2023-12-02T09:14:31.207+0800][999999.999s][info][class,load  ] ") + len(tz) - 5
    L_MIN = max_prefix + len(exact_pkg) + 16 + len(" source: ") + len(EXACT_SRC) + 1
    L_W = 20  # so the class names are 16 to 36 characters
    TAIL = 16 * (L_MIN + L_W)
    reserve = 64 * 1024

    def exact_line(n):
        """A load line of exactly n bytes (an ordinary application class)."""
        set_ms(now[0])
        p = cur["prefix"]
        need = n - len(p) - len(exact_pkg) - len(" source: ") - len(EXACT_SRC) - 1
        parts = []
        while need > 12:
            w = choice([w for w in EXACT_WORDS if len(w) <= min(10, need - 2) and w not in parts])
            parts.append(w)
            need -= len(w)
        parts.append(choice([w for w in by_len[need] if w not in parts] or by_len[need]))
        line = "%s%s%s source: %s\n" % (p, exact_pkg, "".join(parts), EXACT_SRC)
        assert len(line) == n, (len(line), n)
        return line

    next_gc = startup_end + randint(10, 40) * 60000
    late_p = 0.002
    tf = float(startup_end)
    two_pi_day = 2 * math.pi / 86400000.0
    sin = math.sin
    events = r.choices
    steps = 0
    pace_bytes = st["written"]
    while st["written"] + reserve < target:
        steps += 1
        if steps % pace_every == 0:
            per_step = (st["written"] - pace_bytes) / pace_every
            pace_bytes = st["written"]
            left_steps = max(1.0, (target - st["written"]) / max(1.0, per_step))
            mean_step = max(0.01, (span_ms - tf) / left_steps)
        # Traffic follows the day: more requests (shorter gaps) in the afternoon.
        wall = start_ms_of_day + tf
        f = 1.0 - 0.35 * sin(two_pi_day * (wall - 9 * 3600000.0))
        tf += rand() * 2.0 * mean_step * f
        now[0] = int(tf)
        if now[0] >= next_gc and st["written"] + reserve + 120 * sum(map(len, pending.values())) < target:
            unload_batch(0.85)
            next_gc = now[0] + randint(10, 40) * 60000
        set_ms(now[0])
        batch = events(kinds, cum_weights=cum_weights, k=randint(1, 3))
        for kind in batch:
            if kind == "late" and not late:
                continue
            loads(kind, make_event(kind))
        if late and rand() < late_p:
            loads("late", make_event("late"))
    # Fill: single leak lines until two exact-length lines close the file.
    fill = (("cglib", lambda: [cglib_one()]), ("groovy", lambda: groovy_event()[:1]),
            ("orika", lambda: orika_event()[:1]))
    while target - st["written"] > TAIL:
        tf += rand() * 2.0 * mean_step
        now[0] = int(tf)
        set_ms(now[0])
        kind, fn = choice(fill)
        loads(kind, fn())
    rem = target - st["written"]
    n_tail = -(-rem // (L_MIN + L_W))
    if rem < n_tail * L_MIN:
        raise SystemExit("BUG: %d bytes left, below %d tail lines" % (rem, n_tail))
    extra = rem - n_tail * L_MIN
    for i in range(n_tail):
        e = min(L_W, extra // (n_tail - i))
        extra -= e
        tf += rand() * 2.0 * mean_step
        now[0] = int(tf)
        emit(exact_line(L_MIN + e))
        counts["late"] += 1
    assert extra == 0
    flush()
    if out is not sys.stdout.buffer:
        out.close()

    # ------------------------------------------------------------- summary
    total_loads = sum(counts.values())
    total_unloads = sum(unloads.values())
    elapsed = time.monotonic() - t_start
    written = st["written"]
    leaks = {"Orika": counts["orika"], "cglib": counts["cglib"], "Groovy": counts["groovy"]}
    first_wall = (start + dt.timedelta(milliseconds=10)).strftime("%Y-%m-%dT%H:%M:%S")
    last_wall = (start + dt.timedelta(milliseconds=now[0])).strftime("%Y-%m-%dT%H:%M:%S")
    ok = written == target and st["loads_seen"] == total_loads and st["lines"] == total_loads + total_unloads
    sys.stderr.write(
        "gen_class_log: wrote %d bytes (%.1f MiB%s), %d lines, %.1fs (%.0f MiB/s), seed %d\n"
        "gen_class_log: uptime 0.010s .. %.3fs (%.1f h), wall %s .. %s%s\n"
        "gen_class_log: loads %d (lines with '[class,load': %d), unloads %d\n"
        "gen_class_log: loads by kind: %s\n"
        "gen_class_log: unloads by kind: %s\n"
        "gen_class_log: leaking families (loads, never unloaded): Orika=%d cglib=%d Groovy=%d%s\n" % (
            written, written / MiB, "" if written == target else ", requested %d" % target, st["lines"],
            elapsed, written / MiB / max(elapsed, 1e-9), args.seed,
            now[0] / 1000.0, now[0] / 3600000.0, first_wall, last_wall, tz,
            total_loads, st["loads_seen"], total_unloads,
            " ".join("%s=%d" % kv for kv in counts.items()),
            " ".join("%s=%d" % kv for kv in unloads.items()),
            leaks["Orika"], leaks["cglib"], leaks["Groovy"], "" if ok else "  MISMATCH"))
    if args.summary:
        with open(args.summary, "w") as f:
            json.dump({"bytes": written, "lines": st["lines"], "loads": total_loads, "unloads": total_unloads,
                       "leaks": leaks, "loads_by_kind": counts, "unloads_by_kind": unloads,
                       "uptime_s": now[0] / 1000.0, "seed": args.seed, "size_mib": args.size_mib}, f, indent=1)
            f.write("\n")
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
