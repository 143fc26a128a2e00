//! Class families and the generated-class leak.
//!
//! The evidence crate reduces a class-loading log to families of one shape
//! each. Here the knowledge base of class generators ([`GENERATORS`], plain
//! data) names the library behind a family and merges the shapes one
//! generator makes (`Orika_A_B_Mapper*$*`, `Orika_C_D_Mapper*$*` ->
//! `ma.glasnost.orika.generated.Orika_*_Mapper*`), and each family is judged:
//!
//! - **growing**: at least [`MIN_LEAK_LOADS`] loads, a quarter or more of
//!   them in the second half of the log's clock, and fewer than 10% unloaded:
//!   the generator keeps making classes nobody unloads;
//! - **warm-up**: many loads that stopped (under 5% in the second half): a
//!   start-up burst, not a leak;
//! - **counter**: a known generator whose class names carry a counter past
//!   [`MIN_LEAK_SEQ`] (`Orika_..._Mapper...$3899` is its 3899th class): a
//!   leak sign even when the log holds one line of it.
//!
//! JDK plumbing (`LambdaForm$MH`, `$$Lambda`, `jdk.internal.*`) is listed
//! but never called a leak.

use oomlens_evidence::jvm::classlist::{ClassListing, ListedFamily};
use oomlens_evidence::jvm::classload::{ClassLog, FamilyStats, Histogram};
use oomlens_evidence::jvm::heapdump::HeapDumpFacts;
use serde::Serialize;

use crate::diagnosis::Cite;

/// What oomlens knows about one class generator.
#[derive(Debug, Clone, Copy)]
pub struct Generator {
    /// A glob over class names (`*` matches anything).
    pub pattern: &'static str,
    pub library: &'static str,
    /// The packages of the library's own runtime classes: a leak of its
    /// generated classes keeps their objects (the generator's caches and
    /// metadata) on the heap too.
    pub packages: &'static [&'static str],
    /// What usually makes it generate without end.
    pub cause: &'static str,
    pub fix: &'static str,
    /// A public reference.
    pub reference: &'static str,
    /// Whether the number at the end of its class names counts the classes
    /// it made.
    pub counter: bool,
}

/// Class generators, most specific first.
pub const GENERATORS: &[Generator] = &[
    Generator {
        pattern: "ma.glasnost.orika.generated.Orika_*_Mapper*",
        library: "Orika",
        packages: &["ma.glasnost.orika.", "javassist."],
        cause: "a new MapperFactory (DefaultMapperFactory.Builder().build()) per call: each factory generates and loads its own mapper classes",
        fix: "build one MapperFactory and reuse it (a singleton bean); register class maps once",
        reference: "https://orika-mapper.github.io/orika-docs/mapper-factory.html",
        counter: true,
    },
    Generator {
        pattern: "ma.glasnost.orika.generated.*",
        library: "Orika",
        packages: &["ma.glasnost.orika.", "javassist."],
        cause: "a new MapperFactory per call",
        fix: "build one MapperFactory and reuse it",
        reference: "https://orika-mapper.github.io/orika-docs/mapper-factory.html",
        counter: true,
    },
    Generator {
        pattern: "*$$EnhancerBySpringCGLIB$$*",
        library: "Spring CGLIB proxies",
        packages: &["org.springframework.cglib.", "org.springframework.aop."],
        cause: "proxies created per call (prototype beans with AOP, ProxyFactory in a loop, a new ApplicationContext per request)",
        fix: "create proxies once; keep application contexts long-lived",
        reference: "https://docs.spring.io/spring-framework/reference/core/aop/proxying.html",
        counter: false,
    },
    Generator {
        pattern: "*$$SpringCGLIB$$*",
        library: "Spring CGLIB proxies",
        packages: &["org.springframework.cglib.", "org.springframework.aop."],
        cause: "proxies created per call (prototype beans with AOP, ProxyFactory in a loop)",
        fix: "create proxies once; keep application contexts long-lived",
        reference: "https://docs.spring.io/spring-framework/reference/core/aop/proxying.html",
        counter: true,
    },
    Generator {
        pattern: "*$$EnhancerByCGLIB$$*",
        library: "cglib",
        packages: &["net.sf.cglib.", "org.objectweb.asm."],
        cause: "an Enhancer per call with caching off (setUseCache(false)), or a new callback type or class loader each time",
        fix: "reuse the Enhancer's generated class (keep useCache on, reuse callback filters), or create the proxy class once",
        reference: "https://github.com/cglib/cglib/wiki",
        counter: false,
    },
    Generator {
        pattern: "*$$FastClassByCGLIB$$*",
        library: "cglib",
        packages: &["net.sf.cglib.", "org.objectweb.asm."],
        cause: "FastClass created per call or per class loader",
        fix: "cache FastClass instances",
        reference: "https://github.com/cglib/cglib/wiki",
        counter: false,
    },
    Generator {
        pattern: "*_$$_jvst*",
        library: "Javassist ProxyFactory",
        packages: &["javassist."],
        cause: "a ProxyFactory per call with caching off, or proxies in a new class loader each time (old Hibernate, Dubbo)",
        fix: "create the proxy class once (ProxyFactory.useCache = true) and instantiate it",
        reference: "https://www.javassist.org/html/javassist/util/proxy/ProxyFactory.html",
        counter: true,
    },
    Generator {
        pattern: "*_$$_javassist_*",
        library: "Javassist ProxyFactory",
        packages: &["javassist."],
        cause: "a ProxyFactory per call with caching off",
        fix: "create the proxy class once and instantiate it",
        reference: "https://www.javassist.org/html/javassist/util/proxy/ProxyFactory.html",
        counter: true,
    },
    Generator {
        pattern: "*$HibernateProxy$*",
        library: "Hibernate (Byte Buddy proxies)",
        packages: &["org.hibernate.", "net.bytebuddy."],
        cause: "a new SessionFactory (or EntityManagerFactory) per call or per tenant",
        fix: "build the SessionFactory once",
        reference: "https://hibernate.atlassian.net/browse/HHH-14694",
        counter: false,
    },
    Generator {
        pattern: "*$ByteBuddy$*",
        library: "Byte Buddy",
        packages: &["net.bytebuddy."],
        cause: "new ByteBuddy().subclass(...).make().load(...) per call without a TypeCache",
        fix: "cache generated types (net.bytebuddy.TypeCache) per class loader",
        reference: "https://bytebuddy.net/#/tutorial",
        counter: false,
    },
    Generator {
        pattern: "*FastjsonASMDeserializer_*",
        library: "fastjson",
        packages: &["com.alibaba.fastjson."],
        cause: "a new ParserConfig per call: each one generates its own ASM deserializers",
        fix: "use ParserConfig.getGlobalInstance() (or one shared ParserConfig)",
        reference: "https://github.com/alibaba/fastjson/issues/1520",
        counter: true,
    },
    Generator {
        pattern: "*OWG_*",
        library: "fastjson2",
        packages: &["com.alibaba.fastjson2."],
        cause: "new ObjectWriterProvider / ObjectReaderProvider instances per call",
        fix: "use the default providers (JSONFactory) or one shared provider",
        reference: "https://github.com/alibaba/fastjson2",
        counter: true,
    },
    Generator {
        pattern: "*$JaxbAccessor*",
        library: "JAXB",
        packages: &["com.sun.xml.bind.", "org.glassfish.jaxb.", "javax.xml.bind.", "jakarta.xml.bind."],
        cause: "a new JAXBContext per call",
        fix: "create one JAXBContext per set of classes and reuse it (it is thread-safe)",
        reference: "https://javaee.github.io/jaxb-v2/doc/user-guide/ch03.html#other-miscellaneous-topics-performance-and-thread-safety",
        counter: false,
    },
    Generator {
        pattern: "groovy.tmp.templates.*TemplateScript*",
        library: "Groovy templates",
        packages: &["org.codehaus.groovy.", "groovy."],
        cause: "a template compiled per request (MarkupTemplateEngine / GStringTemplateEngine createTemplate): every compile is a new class",
        fix: "compile each template once and cache the Template (or enable the engine's template cache)",
        reference: "https://github.com/spring-io/initializr/issues/288",
        counter: true,
    },
    Generator {
        pattern: "Script_*_*",
        library: "Aviator",
        packages: &["com.googlecode.aviator."],
        cause: "AviatorEvaluator.compile/execute without expression caching: every call compiles a new class",
        fix: "compile with cache on (AviatorEvaluator.compile(expr, true)) or keep compiled Expressions",
        reference: "https://github.com/killme2008/aviatorscript",
        counter: true,
    },
    Generator {
        pattern: "Script*",
        library: "Groovy",
        packages: &["org.codehaus.groovy.", "groovy."],
        cause: "GroovyShell.parse/evaluate (or a new GroovyClassLoader) per call: every script is compiled to a new class",
        fix: "compile each script once and cache the Script class (or use a shared GroovyClassLoader and clear its cache)",
        reference: "https://groovy-lang.org/integrating.html",
        counter: true,
    },
    Generator {
        pattern: "*_jsp",
        library: "JSP",
        packages: &["org.apache.jasper."],
        cause: "JSPs recompiled on change (development mode) in production",
        fix: "turn JSP development mode off (development=false) and precompile",
        reference: "https://tomcat.apache.org/tomcat-9.0-doc/jasper-howto.html",
        counter: false,
    },
    Generator {
        pattern: "sun.reflect.GeneratedMethodAccessor*",
        library: "JDK reflection (inflation)",
        packages: &[],
        cause: "reflection on many distinct methods or class loaders: after 15 calls the JDK generates a bytecode accessor per method",
        fix: "usually bounded; if it grows, reflection runs over classes in new class loaders: fix the loader churn",
        reference: "https://bugs.openjdk.org/browse/JDK-8013527",
        counter: true,
    },
    Generator {
        pattern: "sun.reflect.Generated*Accessor*",
        library: "JDK reflection (inflation)",
        packages: &[],
        cause: "reflection over classes in new class loaders",
        fix: "fix the class loader churn",
        reference: "https://bugs.openjdk.org/browse/JDK-8013527",
        counter: true,
    },
    Generator {
        pattern: "jdk.internal.reflect.Generated*Accessor*",
        library: "JDK reflection (inflation)",
        packages: &[],
        cause: "reflection over classes in new class loaders",
        fix: "fix the class loader churn",
        reference: "https://bugs.openjdk.org/browse/JDK-8013527",
        counter: true,
    },
    Generator {
        pattern: "com.sun.proxy.$Proxy*",
        library: "java.lang.reflect.Proxy",
        packages: &[],
        cause: "Proxy.newProxyInstance with a new class loader (or new interface set) per call",
        fix: "create proxies in one long-lived class loader; cache the proxy class",
        reference: "https://docs.oracle.com/en/java/javase/17/docs/api/java.base/java/lang/reflect/Proxy.html",
        counter: true,
    },
    Generator {
        pattern: "jdk.proxy*.$Proxy*",
        library: "java.lang.reflect.Proxy",
        packages: &[],
        cause: "Proxy.newProxyInstance with a new class loader (or new interface set) per call",
        fix: "create proxies in one long-lived class loader; cache the proxy class",
        reference: "https://docs.oracle.com/en/java/javase/17/docs/api/java.base/java/lang/reflect/Proxy.html",
        counter: true,
    },
    Generator {
        pattern: "*$Proxy*",
        library: "java.lang.reflect.Proxy",
        packages: &[],
        cause: "Proxy.newProxyInstance with a new class loader per call",
        fix: "create proxies in one long-lived class loader",
        reference: "https://docs.oracle.com/en/java/javase/17/docs/api/java.base/java/lang/reflect/Proxy.html",
        counter: true,
    },
    Generator {
        pattern: "*.dubbo.common.bytecode.proxy*",
        library: "Dubbo (Javassist proxies)",
        packages: &["org.apache.dubbo.", "com.alibaba.dubbo.", "javassist."],
        cause: "ReferenceConfig created per call",
        fix: "cache ReferenceConfig instances (ReferenceConfigCache)",
        reference: "https://dubbo.apache.org/",
        counter: true,
    },
    Generator {
        pattern: "*.dubbo.common.bytecode.Wrapper*",
        library: "Dubbo (Javassist wrappers)",
        packages: &["org.apache.dubbo.", "com.alibaba.dubbo.", "javassist."],
        cause: "wrappers generated per call or per class loader",
        fix: "cache ReferenceConfig / service wrappers",
        reference: "https://dubbo.apache.org/",
        counter: true,
    },
];

/// JDK plumbing: listed, never called a leak.
pub const NOISE: &[&str] = &[
    "java.lang.invoke.LambdaForm$*",
    "java.lang.invoke.*",
    "jdk.internal.*",
    "*$$Lambda*",
    "sun.invoke.*",
];

/// What a class's instances are when a class-loading leak keeps them on
/// the heap: the JDK's class metadata and reflection objects
/// (`java.lang.Class`, `java.lang.reflect.Method`, `[Ljava.lang.Class;`,
/// method handles, proxies), instances of the leaked family itself, and the
/// generator library's own runtime objects (`packages`). `class` is as a
/// class histogram prints it (arrays as `[L...;`).
pub fn held_by_class_leak(class: &str, family: &str, packages: &[&str]) -> bool {
    let name = class.trim_start_matches('[');
    let name = name
        .strip_prefix('L')
        .and_then(|n| n.strip_suffix(';'))
        .unwrap_or(name);
    const CLASS_METADATA: &[&str] = &[
        "java.lang.Class",
        "java.lang.reflect.",
        "java.lang.invoke.",
        "jdk.internal.reflect.",
        "sun.reflect.",
        "jdk.proxy",
        "com.sun.proxy.",
    ];
    CLASS_METADATA
        .iter()
        .chain(packages)
        .any(|p| name.starts_with(p))
        || (!family.is_empty() && glob_match(family, name))
}

/// A family needs this many loads in the log to be judged growing.
pub const MIN_LEAK_LOADS: u64 = 100;
/// A known generator's counter past this is a leak sign on its own.
pub const MIN_LEAK_SEQ: u64 = 1000;

/// `*` matches any run of characters (also none); everything else literally.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

/// The generator behind a class name, if known.
pub fn generator_of(class: &str) -> Option<&'static Generator> {
    GENERATORS.iter().find(|g| glob_match(g.pattern, class))
}

/// JDK plumbing ([`NOISE`]): listed, never called a leak.
pub(crate) fn is_noise(class: &str) -> bool {
    NOISE.iter().any(|p| glob_match(p, class))
}

/// A family as oomlens reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Family {
    /// The generator's pattern when known, else the shape.
    pub pattern: String,
    pub library: Option<String>,
    pub sample: String,
    pub loaded: u64,
    pub unloaded: u64,
    pub live: u64,
    /// Loads per hour in the second half of the log (uptime logs only).
    pub rate_per_hour: Option<f64>,
    /// Share of the second half among its loads (0..1).
    pub late_share: f64,
    /// The generator's counter at its highest (a floor on classes made).
    pub max_seq: u64,
    pub source: Option<String>,
    /// Share of all live classes.
    pub live_share: f64,
    pub first_line: u64,
    pub last_line: u64,
    pub first_uptime_s: Option<f64>,
    pub last_uptime_s: Option<f64>,
    /// `growing`, `warm-up`, `steady` (few loads) or `noise`.
    pub trend: String,
    /// Judged a leak: a growing generated family, or a known generator's
    /// counter past [`MIN_LEAK_SEQ`].
    pub leak: bool,
    pub evidence: Cite,
    /// Its loads over the log's clock (its parts' histograms merged), when
    /// it had more than one class (not in `oomlens/classes/v1`).
    #[serde(skip)]
    pub loads: Option<Histogram>,
}

/// The verdict over all families.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub leak: bool,
    pub family: Option<String>,
    pub library: Option<String>,
    pub rate_per_hour: Option<f64>,
    pub summary: String,
    pub cause: Option<String>,
    pub fix: Option<String>,
    pub reference: Option<String>,
    pub evidence: Vec<Cite>,
}

/// Families and the verdict of one class-loading log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassReport {
    pub source: String,
    pub loaded: u64,
    pub unloaded: u64,
    pub jdk: Option<String>,
    pub span_s: Option<f64>,
    /// How many families the log had (`families` keeps the first
    /// [`MAX_REPORTED`]).
    pub families_total: usize,
    pub families: Vec<Family>,
    pub verdict: Verdict,
    /// The log's clock: `uptime-ms`, `byte-offset`, or `listing` (loaded
    /// classes listed, no clock: no loads over time) (not in
    /// `oomlens/classes/v1`).
    #[serde(skip)]
    pub clock: String,
}

/// Loads over the clock of one class-loading log, per family: what the
/// HTML report charts. Part of `oomlens/diagnosis/v1`
/// (`containers[].class_loads`, an addition).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassLoads {
    pub source: String,
    /// `uptime-ms` (the JVM's uptime) or `byte-offset` (the log has no
    /// uptime stamps).
    pub clock: String,
    /// Clock units per bucket: bucket `i` holds the loads from
    /// `i * bucket_width` to `(i + 1) * bucket_width`.
    pub bucket_width: u64,
    /// Leaking families first, then by loads; at most [`CHARTED`].
    pub families: Vec<FamilyLoads>,
}

/// One family's loads per bucket.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FamilyLoads {
    pub pattern: String,
    pub library: Option<String>,
    pub leak: bool,
    pub loaded: u64,
    /// Loads per bucket, up to the last bucket with a load of any family.
    pub counts: Vec<u32>,
    pub evidence: Cite,
}

/// Families charted per log.
pub const CHARTED: usize = 6;

/// The loads of a report's families with a histogram, on one bucket width
/// (the widest of theirs), leaks first; `None` when none has one.
pub fn loads(r: &ClassReport) -> Option<ClassLoads> {
    let fams: Vec<&Family> = r
        .families
        .iter()
        .filter(|f| f.loads.is_some() && f.trend != "noise")
        .take(CHARTED)
        .collect();
    let width = fams
        .iter()
        .filter_map(|f| f.loads.as_ref())
        .map(|h| h.width)
        .max()?;
    let mut families: Vec<FamilyLoads> = fams
        .iter()
        .map(|f| {
            let mut h = Histogram {
                width,
                counts: vec![0; oomlens_evidence::jvm::classload::BUCKETS],
            };
            if let Some(l) = &f.loads {
                h.merge(l);
            }
            FamilyLoads {
                pattern: f.pattern.clone(),
                library: f.library.clone(),
                leak: f.leak,
                loaded: f.loaded,
                counts: h.counts,
                evidence: f.evidence.clone(),
            }
        })
        .collect();
    let end = families
        .iter()
        .filter_map(|f| f.counts.iter().rposition(|&c| c > 0))
        .max()
        .map_or(0, |i| i + 1);
    for f in &mut families {
        f.counts.truncate(end);
    }
    Some(ClassLoads {
        source: r.source.clone(),
        clock: r.clock.clone(),
        bucket_width: width,
        families,
    })
}

fn hist_from(h: Option<&Histogram>, from: u64, first_line_clock_late: bool) -> u64 {
    match h {
        Some(h) => h.count_from(from),
        None => u64::from(first_line_clock_late),
    }
}

/// Judges the families of one log.
pub fn analyze(source: &str, log: &ClassLog) -> ClassReport {
    analyze_with(source, log, &|_| source.to_string())
}

/// Judges one log that came in several rotated files (`classes.log.0`,
/// `classes.log.1`, `.gz`), given oldest first: the files are joined as one
/// log (uptime clocks as they are; byte offsets laid end to end), and each
/// family cites the last file it appears in.
pub fn analyze_rotated(parts: &[(String, ClassLog)]) -> ClassReport {
    match parts {
        [] => analyze("", &ClassLog::default()),
        [(s, l)] => analyze(s, l),
        _ => {
            let (log, owner) = join_rotated(parts);
            let label = format!(
                "{} (+{} rotated)",
                parts[parts.len() - 1].0,
                parts.len() - 1
            );
            analyze_with(&label, &log, &|shape| {
                owner.get(shape).cloned().unwrap_or_else(|| label.clone())
            })
        }
    }
}

fn join_rotated(
    parts: &[(String, ClassLog)],
) -> (ClassLog, std::collections::HashMap<String, String>) {
    use std::collections::HashMap;
    let uptime = parts.iter().all(|(_, l)| l.clock == "uptime-ms");
    let mut out = ClassLog {
        clock: if uptime { "uptime-ms" } else { "byte-offset" }.into(),
        ..ClassLog::default()
    };
    let mut owner: HashMap<String, String> = HashMap::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut offset = 0u64;
    for (src, l) in parts {
        out.loaded += l.loaded;
        out.unloaded += l.unloaded;
        out.overflow_loaded += l.overflow_loaded;
        out.lines += l.lines;
        out.bytes += l.bytes;
        out.jdk = out.jdk.clone().or(l.jdk.clone());
        out.first_time = out.first_time.clone().or(l.first_time.clone());
        out.first_uptime_s = match (out.first_uptime_s, l.first_uptime_s) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        out.last_uptime_s = match (out.last_uptime_s, l.last_uptime_s) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let shift = if uptime { 0 } else { offset };
        for f in &l.families {
            owner.insert(f.shape.clone(), src.clone());
            let mut h = f.histogram.clone();
            if shift > 0 {
                h = h.map(|h| {
                    let mut moved = Histogram::default();
                    for (i, &c) in h.counts.iter().enumerate() {
                        if c > 0 {
                            moved.add(i as u64 * h.width + shift, c);
                        }
                    }
                    moved
                });
            }
            match index.get(&f.shape) {
                Some(&i) => {
                    let g = &mut out.families[i];
                    g.loaded += f.loaded;
                    g.unloaded += f.unloaded;
                    g.max_seq = g.max_seq.max(f.max_seq);
                    g.first_line = f.first_line;
                    g.last_line = f.last_line;
                    g.last_uptime_s = f.last_uptime_s.or(g.last_uptime_s);
                    match (&mut g.histogram, h) {
                        (Some(a), Some(b)) => a.merge(&b),
                        (slot @ None, Some(b)) => *slot = Some(b),
                        _ => {}
                    }
                    for (s, n) in &f.sources {
                        match g.sources.iter_mut().find(|(x, _)| x == s) {
                            Some(e) => e.1 += n,
                            None => g.sources.push((s.clone(), *n)),
                        }
                    }
                }
                None => {
                    index.insert(f.shape.clone(), out.families.len());
                    let mut g = f.clone();
                    g.histogram = h;
                    out.families.push(g);
                }
            }
        }
        offset += l.bytes;
    }
    if uptime {
        out.clock_first = parts.iter().filter_map(|(_, l)| l.clock_first).min();
        out.clock_last = parts.iter().filter_map(|(_, l)| l.clock_last).max();
    } else {
        out.clock_first = Some(0);
        out.clock_last = Some(offset);
    }
    (out, owner)
}

fn analyze_with(source: &str, log: &ClassLog, source_of: &dyn Fn(&str) -> String) -> ClassReport {
    let first = log.clock_first.unwrap_or(0);
    let last = log.clock_last.unwrap_or(first);
    let mid = first + (last.saturating_sub(first)) / 2;
    let uptime = log.clock == "uptime-ms";
    let late_hours = uptime.then(|| (last.saturating_sub(mid)) as f64 / 3_600_000.0);

    // Merge shapes of one generator pattern.
    let mut merged: Vec<(String, Option<&'static Generator>, Vec<&FamilyStats>)> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for f in &log.families {
        let g = generator_of(&f.sample);
        let key = g.map_or_else(|| f.shape.clone(), |g| g.pattern.to_string());
        match index.get(&key) {
            Some(&i) => merged[i].2.push(f),
            None => {
                index.insert(key.clone(), merged.len());
                merged.push((key, g, vec![f]));
            }
        }
    }
    let live_total: u64 = log
        .families
        .iter()
        .map(|f| f.loaded.saturating_sub(f.unloaded))
        .sum();
    let mut fams: Vec<Family> = merged
        .into_iter()
        .map(|(pattern, g, parts)| {
            let loaded: u64 = parts.iter().map(|f| f.loaded).sum();
            let unloaded: u64 = parts.iter().map(|f| f.unloaded).sum();
            let late: u64 = parts
                .iter()
                .map(|f| hist_from(f.histogram.as_ref(), mid, false))
                .sum();
            let late_share = if loaded > 0 {
                late as f64 / loaded as f64
            } else {
                0.0
            };
            let live = loaded.saturating_sub(unloaded);
            let sample = parts[0].sample.clone();
            let what = format!("{} class line(s) of {}", loaded + unloaded, sample);
            let cite_source = source_of(&parts[parts.len() - 1].shape);
            let max_seq = parts.iter().map(|f| f.max_seq).max().unwrap_or(0);
            let mut sources: Vec<(String, u64)> = Vec::new();
            for f in &parts {
                for (s, n) in &f.sources {
                    match sources.iter_mut().find(|(x, _)| x == s) {
                        Some(e) => e.1 += n,
                        None => sources.push((s.clone(), *n)),
                    }
                }
            }
            sources.sort_by_key(|s| std::cmp::Reverse(s.1));
            let first_line = parts.iter().map(|f| f.first_line).min().unwrap_or(0);
            let last_line = parts.iter().map(|f| f.last_line).max().unwrap_or(0);
            let noise = is_noise(&sample);
            let generated = g.is_some() || pattern.contains('*');
            let trend = if noise {
                "noise"
            } else if loaded >= MIN_LEAK_LOADS && late_share >= 0.25 && unloaded * 10 < loaded {
                "growing"
            } else if loaded >= MIN_LEAK_LOADS && late_share < 0.05 {
                "warm-up"
            } else {
                "steady"
            };
            let counter_sign =
                g.is_some_and(|g| g.counter) && max_seq >= MIN_LEAK_SEQ && unloaded * 10 <= loaded;
            let leak =
                !noise && generated && (trend == "growing" || (counter_sign && trend != "warm-up"));
            Family {
                pattern,
                library: g.map(|g| g.library.to_string()),
                sample,
                loaded,
                unloaded,
                live,
                rate_per_hour: late_hours.filter(|h| *h > 0.0).map(|h| late as f64 / h),
                late_share,
                max_seq,
                source: sources.first().map(|s| s.0.clone()),
                live_share: if live_total > 0 {
                    live as f64 / live_total as f64
                } else {
                    0.0
                },
                first_line,
                last_line,
                first_uptime_s: parts
                    .iter()
                    .filter_map(|f| f.first_uptime_s)
                    .reduce(f64::min),
                last_uptime_s: parts
                    .iter()
                    .filter_map(|f| f.last_uptime_s)
                    .reduce(f64::max),
                trend: trend.to_string(),
                leak,
                evidence: Cite {
                    source: cite_source,
                    line: Some(first_line),
                    last_line: (last_line != first_line).then_some(last_line),
                    what,
                },
                loads: parts.iter().filter_map(|f| f.histogram.as_ref()).fold(
                    None,
                    |acc: Option<Histogram>, h| {
                        let mut a = acc.unwrap_or_default();
                        a.merge(h);
                        Some(a)
                    },
                ),
            }
        })
        .collect();
    fams.sort_by(|a, b| b.leak.cmp(&a.leak).then(b.loaded.cmp(&a.loaded)));
    let families_total = fams.len();

    let verdict = match fams.iter().find(|f| f.leak) {
        Some(f) => {
            let how = match (f.trend == "growing", f.rate_per_hour) {
                (true, Some(r)) => format!(
                    "{} loaded, {} unloaded, still loading at {:.0}/h at the end of the log",
                    f.loaded, f.unloaded, r
                ),
                (true, None) => format!(
                    "{} loaded, {} unloaded, {:.0}% of them in the second half of the log",
                    f.loaded,
                    f.unloaded,
                    f.late_share * 100.0
                ),
                (false, _) => counter_reads(f),
            };
            leak_verdict(f, how, vec![f.evidence.clone()])
        }
        None => {
            let warm: Vec<&Family> = fams.iter().filter(|f| f.trend == "warm-up").collect();
            Verdict {
                leak: false,
                family: None,
                library: None,
                rate_per_hour: None,
                summary: if let Some(w) = warm.first() {
                    format!(
                        "no class leak: {} loaded {} classes at start-up and stopped",
                        w.pattern, w.loaded
                    )
                } else {
                    format!("no class leak among {} loaded classes", log.loaded)
                },
                cause: None,
                fix: None,
                reference: None,
                // The burst that stopped, or else the whole log read.
                evidence: match warm.first() {
                    Some(w) => vec![w.evidence.clone()],
                    None => vec![Cite::file(
                        source,
                        format!(
                            "{} class loads, {} unloads read, no family growing",
                            log.loaded, log.unloaded
                        ),
                    )],
                },
            }
        }
    };
    ClassReport {
        source: source.to_string(),
        loaded: log.loaded,
        unloaded: log.unloaded,
        jdk: log.jdk.clone(),
        span_s: match (log.first_uptime_s, log.last_uptime_s) {
            (Some(a), Some(b)) => Some(b - a),
            _ => None,
        },
        families_total,
        families: {
            // A large application has tens of thousands of one-class
            // families: keep the ones worth reading.
            fams.truncate(MAX_REPORTED);
            fams
        },
        clock: log.clock.clone(),
        verdict,
    }
}

/// Judges the `VM.class_hierarchy` listings of one JVM, oldest first (the
/// captures at 90 % and 95 % of its limit): the classes loaded at each
/// moment, by family, merged per generator as for a log. A generated
/// family that gained [`MIN_LEAK_LOADS`] classes or more from the first
/// listing to the last is `growing`: nothing unloaded them, and the
/// generator kept making them. A known generator's counter past
/// [`MIN_LEAK_SEQ`] is a leak sign in a single listing too. A listing has
/// no clock: `rate_per_hour` is not known, and `loaded` / `live` are the
/// classes the last listing holds.
pub fn analyze_listings(parts: &[(String, ClassListing)]) -> ClassReport {
    judge_listings(parts, Snapshot::Listing)
}

/// Judges the heap dumps of one JVM, oldest first, as [`analyze_listings`]
/// judges listings: a dump's classes by family (`oomlens heap`'s families,
/// the same shapes), so a generated family that gained [`MIN_LEAK_LOADS`]
/// classes between the first dump and the last is `growing`, and a known
/// generator's counter past [`MIN_LEAK_SEQ`] is a leak sign in one dump. A
/// dump has no lines: each family is cited by its file, with the loaders
/// that defined it.
pub fn analyze_dumps(parts: &[(String, &HeapDumpFacts)]) -> ClassReport {
    let listings: Vec<(String, ClassListing)> = parts
        .iter()
        .map(|(src, d)| {
            let families = d
                .families
                .iter()
                .map(|f| ListedFamily {
                    shape: f.shape.clone(),
                    sample: f.example.clone(),
                    classes: f.classes,
                    max_seq: f.max_seq,
                    first_line: 0,
                    last_line: 0,
                })
                .collect();
            let listing = ClassListing {
                classes: d.classes,
                families,
                ..ClassListing::default()
            };
            (src.clone(), listing)
        })
        .collect();
    let loaders = |src: &str, example: &str| -> Option<u64> {
        let d = parts.iter().find(|(s, _)| s == src)?.1;
        d.families
            .iter()
            .find(|f| f.example == example)
            .map(|f| f.loaders)
    };
    let mut r = judge_listings(&listings, Snapshot::HeapDump);
    for f in &mut r.families {
        if let Some(n) = loaders(&r.source, &f.sample) {
            f.evidence
                .what
                .push_str(&format!(", defined by {n} class loaders"));
        }
    }
    if let (Some(fam), Some(first)) = (
        r.families.iter().find(|f| f.leak),
        r.verdict.evidence.first_mut(),
    ) {
        first.what = fam.evidence.what.clone();
    }
    r
}

/// What a judged snapshot of loaded classes is: a listing has lines, a
/// heap dump has none.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Snapshot {
    Listing,
    HeapDump,
}

impl Snapshot {
    /// How `n` classes of `what` are said to be in it.
    fn held(self, n: u64, what: &str) -> String {
        match self {
            Snapshot::Listing => format!("{n} loaded classes of {what} listed"),
            Snapshot::HeapDump => format!("{n} classes of {what} in the heap dump"),
        }
    }

    /// How all `n` classes are said to be in it.
    fn all(self, n: u64) -> String {
        match self {
            Snapshot::Listing => format!("{n} loaded classes listed"),
            Snapshot::HeapDump => format!("{n} classes in the heap dump"),
        }
    }

    fn plural(self) -> &'static str {
        match self {
            Snapshot::Listing => "listings",
            Snapshot::HeapDump => "heap dumps",
        }
    }

    fn first(self) -> &'static str {
        match self {
            Snapshot::Listing => "the first listing",
            Snapshot::HeapDump => "the first heap dump",
        }
    }

    fn clock(self) -> &'static str {
        match self {
            Snapshot::Listing => "listing",
            Snapshot::HeapDump => "heap-dump",
        }
    }
}

fn judge_listings(parts: &[(String, ClassListing)], kind: Snapshot) -> ClassReport {
    use std::collections::HashMap;
    let Some((last_src, last)) = parts.last() else {
        return analyze("", &ClassLog::default());
    };
    let (first_src, first) = &parts[0];
    let key_of = |f: &ListedFamily| {
        generator_of(&f.sample).map_or_else(|| f.shape.clone(), |g| g.pattern.to_string())
    };
    let mut before: HashMap<String, (u64, u64, u64)> = HashMap::new();
    if parts.len() > 1 {
        for f in &first.families {
            let e = before
                .entry(key_of(f))
                .or_insert((0, f.first_line, f.last_line));
            e.0 += f.classes;
            e.1 = e.1.min(f.first_line);
            e.2 = e.2.max(f.last_line);
        }
    }
    let mut merged: Vec<(String, Vec<&ListedFamily>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for f in &last.families {
        let key = key_of(f);
        match index.get(&key) {
            Some(&i) => merged[i].1.push(f),
            None => {
                index.insert(key.clone(), merged.len());
                merged.push((key, vec![f]));
            }
        }
    }
    let mut fams: Vec<Family> = merged
        .into_iter()
        .map(|(pattern, parts_of)| {
            let sample = parts_of[0].sample.clone();
            let g = generator_of(&sample);
            let classes: u64 = parts_of.iter().map(|f| f.classes).sum();
            let max_seq = parts_of.iter().map(|f| f.max_seq).max().unwrap_or(0);
            let first_line = parts_of.iter().map(|f| f.first_line).min().unwrap_or(0);
            let last_line = parts_of.iter().map(|f| f.last_line).max().unwrap_or(0);
            let earlier = before.get(&pattern);
            let grew = earlier.map(|e| classes.saturating_sub(e.0));
            let noise = is_noise(&sample);
            let generated = g.is_some() || pattern.contains('*');
            let trend = if noise {
                "noise"
            } else if grew.is_some_and(|n| n >= MIN_LEAK_LOADS) {
                "growing"
            } else {
                "steady"
            };
            let counter_sign = g.is_some_and(|g| g.counter) && max_seq >= MIN_LEAK_SEQ;
            let leak = !noise && generated && (trend == "growing" || counter_sign);
            let held = kind.held(classes, &sample);
            let what = match (parts.len() > 1, earlier) {
                (true, Some((n, ..))) => {
                    format!("{held}, {n} in {} ({first_src})", kind.first())
                }
                (true, None) => {
                    format!("{held}, none in {} ({first_src})", kind.first())
                }
                _ => held,
            };
            Family {
                pattern,
                library: g.map(|g| g.library.to_string()),
                sample,
                loaded: classes,
                unloaded: 0,
                live: classes,
                rate_per_hour: None,
                late_share: match grew {
                    Some(n) if classes > 0 => n as f64 / classes as f64,
                    _ => 0.0,
                },
                max_seq,
                source: None,
                live_share: if last.classes > 0 {
                    classes as f64 / last.classes as f64
                } else {
                    0.0
                },
                first_line,
                last_line,
                first_uptime_s: None,
                last_uptime_s: None,
                trend: trend.to_string(),
                leak,
                evidence: Cite {
                    source: last_src.clone(),
                    line: (first_line > 0).then_some(first_line),
                    last_line: (last_line != first_line).then_some(last_line),
                    what,
                },
                // A listing has no clock: no loads over time.
                loads: None,
            }
        })
        .collect();
    fams.sort_by(|a, b| b.leak.cmp(&a.leak).then(b.loaded.cmp(&a.loaded)));
    let families_total = fams.len();
    let verdict = match fams.iter().find(|f| f.leak) {
        Some(f) => {
            let how = if f.trend == "growing" {
                let n = f.loaded - before.get(&f.pattern).map_or(0, |e| e.0);
                format!(
                    "{} classes loaded at the last of {} {}, {n} more than at the first",
                    f.loaded,
                    parts.len(),
                    kind.plural()
                )
            } else {
                counter_reads(f)
            };
            let mut evidence = vec![f.evidence.clone()];
            if let Some(&(n, a, b)) = before.get(&f.pattern) {
                evidence.push(Cite {
                    source: first_src.clone(),
                    line: (a > 0).then_some(a),
                    last_line: (b != a).then_some(b),
                    what: kind.held(n, &f.pattern),
                });
            }
            leak_verdict(f, how, evidence)
        }
        None => Verdict {
            leak: false,
            family: None,
            library: None,
            rate_per_hour: None,
            summary: format!(
                "no class family grew among {} loaded classes ({} {})",
                last.classes,
                parts.len(),
                kind.plural()
            ),
            cause: None,
            fix: None,
            reference: None,
            evidence: vec![Cite::file(
                last_src,
                format!("{}, no generated family growing", kind.all(last.classes)),
            )],
        },
    };
    fams.truncate(MAX_REPORTED);
    ClassReport {
        source: last_src.clone(),
        loaded: last.classes,
        unloaded: 0,
        jdk: None,
        span_s: None,
        families_total,
        families: fams,
        verdict,
        clock: kind.clock().into(),
    }
}

/// What a generator's counter says of a family judged a leak by it.
fn counter_reads(f: &Family) -> String {
    format!(
        "the generator's counter reads {} (`{}`): it has made at least that many classes",
        f.max_seq, f.sample
    )
}

/// The verdict on a family judged a leak: `how` says why, the knowledge
/// base what to do.
fn leak_verdict(f: &Family, how: String, evidence: Vec<Cite>) -> Verdict {
    let g = generator_of(&f.sample);
    Verdict {
        leak: true,
        family: Some(f.pattern.clone()),
        library: f.library.clone(),
        rate_per_hour: f.rate_per_hour,
        summary: format!(
            "generated classes never unloaded: {}{}: {how}",
            f.pattern,
            f.library
                .as_ref()
                .map(|l| format!(" ({l})"))
                .unwrap_or_default()
        ),
        cause: g.map(|g| g.cause.to_string()),
        fix: g.map(|g| g.fix.to_string()),
        reference: g.map(|g| g.reference.to_string()),
        evidence,
    }
}

/// At most this many families are reported (leaks first, then by loads);
/// `families_total` says how many there were.
pub const MAX_REPORTED: usize = 500;

#[cfg(test)]
mod tests {
    use super::*;
    use oomlens_evidence::jvm::classload;

    fn listing(rel: &str) -> (String, ClassListing) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/classlist")
            .join(rel);
        let bytes = std::fs::read(&path).expect("fixture");
        (
            rel.to_string(),
            oomlens_evidence::jvm::classlist::parse(rel, &bytes).0,
        )
    }

    #[test]
    fn two_listings_name_the_growing_family_and_its_library() {
        let parts = [
            listing("OrikaLikeLeak/1.VM.class_hierarchy.txt"),
            listing("OrikaLikeLeak/2.VM.class_hierarchy.txt"),
        ];
        let r = analyze_listings(&parts);
        let v = &r.verdict;
        assert!(v.leak, "{v:?}");
        assert_eq!(
            v.family.as_deref(),
            Some("ma.glasnost.orika.generated.Orika_*_Mapper*")
        );
        assert_eq!(v.library.as_deref(), Some("Orika"));
        assert!(
            v.summary
                .contains("659 classes loaded at the last of 2 listings, 474 more"),
            "{}",
            v.summary
        );
        assert_eq!(v.evidence.len(), 2);
        assert_eq!(
            v.evidence[0].source,
            "OrikaLikeLeak/2.VM.class_hierarchy.txt"
        );
        assert_eq!(
            v.evidence[1].source,
            "OrikaLikeLeak/1.VM.class_hierarchy.txt"
        );
        assert!(v
            .fix
            .as_deref()
            .is_some_and(|f| f.contains("MapperFactory")));
        // Either listing alone shows no growth, and the counter (658) is
        // below the sign on its own.
        for one in &parts {
            let r = analyze_listings(std::slice::from_ref(one));
            assert!(!r.verdict.leak, "{:?}", r.verdict);
        }
        // JDK plumbing that grew is never the leak.
        assert!(r
            .families
            .iter()
            .filter(|f| f.sample.contains("LambdaForm$"))
            .all(|f| !f.leak && f.trend == "noise"));
    }

    #[test]
    fn held_by_class_leak_is_class_metadata_family_and_library() {
        let pk: &[&str] = &["net.sf.cglib."];
        let fam = "*$$EnhancerByCGLIB$$*";
        for yes in [
            "java.lang.reflect.Method",
            "[Ljava.lang.Class;",
            "java.lang.Class$ReflectionData",
            "net.sf.cglib.proxy.MethodProxy",
            "com.x.Svc$$EnhancerByCGLIB$$1a2b",
        ] {
            assert!(held_by_class_leak(yes, fam, pk), "{yes}");
        }
        for no in [
            "[B",
            "java.lang.String",
            "java.util.HashMap$Node",
            "[Ljava.lang.Object;",
        ] {
            assert!(!held_by_class_leak(no, fam, pk), "{no}");
        }
    }

    #[test]
    fn globs() {
        assert!(glob_match(
            "ma.glasnost.orika.generated.Orika_*_Mapper*",
            "ma.glasnost.orika.generated.Orika_FieldVO_FieldDetailDTO_Mapper62812963418674919$3899"
        ));
        assert!(glob_match(
            "*$$EnhancerByCGLIB$$*",
            "a.B$$EnhancerByCGLIB$$12ab"
        ));
        assert!(!glob_match(
            "*$$EnhancerByCGLIB$$*",
            "a.B$$EnhancerBySpringCGLIB$$12ab"
        ));
        assert!(glob_match("Script*", "Script12"));
        assert!(!glob_match("Script*", "com.x.Script12"));
        assert!(glob_match("*", ""));
        assert!(!glob_match("a", ""));
    }

    #[test]
    fn the_seed_line_alone_is_a_leak_sign() {
        let text = "[Loaded ma.glasnost.orika.generated.Orika_FieldVO_FieldDetailDTO_Mapper62812963418674919$3899 from file:/usr/local/tomcat/webapps/task%23workflow/WEB-INF/lib/orika-core-1.5.4.jar]\n";
        let (log, _) = classload::scan("classes.log", text.as_bytes()).unwrap();
        let r = analyze("classes.log", &log);
        assert!(r.verdict.leak);
        assert_eq!(
            r.verdict.family.as_deref(),
            Some("ma.glasnost.orika.generated.Orika_*_Mapper*")
        );
        assert_eq!(r.verdict.library.as_deref(), Some("Orika"));
        assert!(r
            .verdict
            .fix
            .as_deref()
            .unwrap()
            .contains("one MapperFactory"));
        assert_eq!(
            r.families[0].source.as_deref(),
            Some("orika-core-1.5.4.jar")
        );
        assert_eq!(r.verdict.evidence[0].line, Some(1));
    }

    fn synth(
        shape: impl Fn(u64) -> String,
        times: impl Fn(u64) -> f64,
        n: u64,
        end_s: f64,
    ) -> String {
        let mut t = String::new();
        for i in 0..n {
            t.push_str(&format!(
                "[{:.3}s][info][class,load] {} source: __JVM_DefineClass__\n",
                times(i),
                shape(i)
            ));
        }
        t.push_str(&format!(
            "[{end_s:.3}s][info][class,load] com.x.Last source: jrt:/java.base\n"
        ));
        t
    }

    #[test]
    fn growth_versus_warm_up() {
        // 600 cglib classes spread over an hour: growing.
        let t = synth(
            |i| format!("com.x.Svc$$EnhancerByCGLIB$${:08x}", 0x1000_0000 + i * 7919),
            |i| i as f64 * 6.0,
            600,
            3600.0,
        );
        let (log, _) = classload::scan("c", t.as_bytes()).unwrap();
        let r = analyze("c", &log);
        assert!(r.verdict.leak, "{:#?}", r.families[0]);
        assert_eq!(r.verdict.library.as_deref(), Some("cglib"));
        let rate = r.verdict.rate_per_hour.unwrap();
        assert!((500.0..=700.0).contains(&rate), "{rate}");
        // 2000 proxies in the first minute, then nothing for an hour.
        let t = synth(
            |i| format!("jdk.proxy2.$Proxy{}", 100 + i),
            |i| i as f64 * 0.03,
            2000,
            3600.0,
        );
        let (log, _) = classload::scan("c", t.as_bytes()).unwrap();
        let r = analyze("c", &log);
        assert!(!r.verdict.leak, "{:#?}", r.families[0]);
        assert_eq!(r.families[0].trend, "warm-up");
        assert!(r.verdict.summary.contains("start-up"));
    }

    #[test]
    fn lambda_forms_are_noise() {
        let t = synth(
            |i| {
                format!(
                    "java.lang.invoke.LambdaForm$MH/0x{:016x}",
                    0x0000_0008_0000_0000u64 + i * 64
                )
            },
            |i| i as f64 * 6.0,
            600,
            3600.0,
        );
        let (log, _) = classload::scan("c", t.as_bytes()).unwrap();
        let r = analyze("c", &log);
        assert!(!r.verdict.leak);
        assert_eq!(r.families[0].trend, "noise");
    }
}
