// The template of HeapShapes' generated classes: renamed in its bytes.
package gen;

public class G0000000 {
    public static int counter;
    public long state;
}
