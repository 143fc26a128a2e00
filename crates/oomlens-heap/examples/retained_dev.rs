use oomlens_heap::graph::Sizer;
use oomlens_heap::{BasicType, ClassDump, Instance, ObjectArray, PrimitiveArray};

struct Naive;
fn r8(x: u64) -> u64 { x.div_ceil(8) * 8 }
impl Sizer for Naive {
    fn class(&mut self, _c: &ClassDump<'_>) -> u64 { 0 }
    fn instance(&mut self, i: &Instance<'_>) -> u64 {
        let Some(l) = i.layout else { return 16 };
        r8(12 + l.fields.iter().map(|f| match f.ty { BasicType::Object => 4, t => t.dump_size(8) as u64 }).sum::<u64>())
    }
    fn object_array(&mut self, a: &ObjectArray<'_>) -> u64 { r8(16 + 4 * a.len as u64) }
    fn primitive_array(&mut self, a: &PrimitiveArray<'_>) -> u64 { r8(16 + a.len as u64 * a.ty.dump_size(8) as u64) }
}

fn main() {
    let p = std::env::args().nth(1).unwrap();
    let t = std::time::Instant::now();
    let (g, classes, _) = oomlens_heap::retained::read_graph(p.as_ref(), &mut Naive).unwrap();
    eprintln!("graph {:?} objects {} edges {} bytes {}", t.elapsed(), g.len(), g.successors().edges(), g.heap_bytes());
    let tree = oomlens_heap::dominator::dominator_tree(&g, g.roots());
    eprintln!("dom {:?} order {}", t.elapsed(), tree.order.len());
    let r = oomlens_heap::retained::Retained::compute(&g, tree);
    eprintln!("retained {:?}", t.elapsed());
    let rep = r.report(&g, 20, &|id| classes.get(id).map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_else(|| format!("{id:#x}")));
    eprintln!("report {:?}", t.elapsed());
    println!("{}", serde_json::to_string_pretty(&rep).unwrap());
}
