//! Aligned columns exactly as kubectl prints tables.
//!
//! kubectl writes each table row as cells joined by `\t` and ends it with `\n`, through a
//! tab writer made by `GetNewTabWriter` (k8s.io/cli-runtime/pkg/printers/tabwriter.go) with
//! minimum width 6, tab width 4, padding 3 and pad character `' '`. This module ports the
//! column algorithm of Go's `text/tabwriter` (`Writer.format` and `Writer.writeLines`)
//! for that configuration.

/// The `tabwriterMinWidth` of cli-runtime's printers.
pub const KUBECTL_MIN_WIDTH: usize = 6;
/// The `tabwriterPadding` of cli-runtime's printers.
pub const KUBECTL_PADDING: usize = 3;

/// Rows of cells, rendered the way kubectl's tab writer aligns them.
#[derive(Clone, Debug, Default)]
pub struct Table {
    lines: Vec<Vec<String>>,
}

impl Table {
    pub fn new() -> Table {
        Table::default()
    }

    /// Adds one line; like kubectl's printer, its last cell is not tab-terminated.
    pub fn push(&mut self, cells: Vec<String>) {
        self.lines.push(cells);
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The aligned text, every line ending in `\n`, with kubectl's widths.
    pub fn render(&self) -> String {
        self.render_with(KUBECTL_MIN_WIDTH, KUBECTL_PADDING)
    }

    /// Port of Go's `text/tabwriter` with pad character `' '` and no flags.
    pub fn render_with(&self, min_width: usize, padding: usize) -> String {
        let mut out = String::new();
        let mut widths = Vec::new();
        format(&self.lines, &mut widths, 0, self.lines.len(), min_width, padding, &mut out);
        out
    }
}

/// Port of `Writer.format`: finds the column blocks of column `widths.len()` in
/// `lines[line0..line1]`, recursing into each block for the columns to its right.
fn format(
    lines: &[Vec<String>],
    widths: &mut Vec<usize>,
    line0: usize,
    line1: usize,
    min_width: usize,
    padding: usize,
    out: &mut String,
) {
    let column = widths.len();
    let mut line0 = line0;
    let mut this = line0;
    while this < line1 {
        let cells = lines.get(this).map_or(0, Vec::len);
        // Only tab-terminated cells (all but the last of a line) belong to a column.
        if column.saturating_add(1) >= cells {
            this = this.saturating_add(1);
            continue;
        }
        write_lines(lines, widths, line0, this, out);
        line0 = this;
        let mut width = min_width;
        while this < line1 {
            let Some(line) = lines.get(this) else { break };
            if column.saturating_add(1) >= line.len() {
                break;
            }
            let cell_width = line.get(column).map_or(0, |cell| cell.chars().count());
            width = width.max(cell_width.saturating_add(padding));
            this = this.saturating_add(1);
        }
        widths.push(width);
        format(lines, widths, line0, this, min_width, padding, out);
        widths.pop();
        line0 = this;
    }
    write_lines(lines, widths, line0, line1, out);
}

/// Port of `Writer.writeLines`: cells in a known column are padded to its width, the rest
/// are written as they are.
fn write_lines(lines: &[Vec<String>], widths: &[usize], line0: usize, line1: usize, out: &mut String) {
    for line in lines.get(line0..line1).unwrap_or_default() {
        for (index, cell) in line.iter().enumerate() {
            out.push_str(cell);
            if let Some(&width) = widths.get(index) {
                let pad = width.saturating_sub(cell.chars().count());
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::Table;

    fn table(rows: &[&[&str]]) -> String {
        let mut table = Table::new();
        for row in rows {
            table.push(row.iter().map(|cell| cell.to_string()).collect());
        }
        table.render()
    }

    /// Real `kubectl get pods` and `kubectl get ingress` output quoted in a kubespray
    /// ingress guide (the empty ADDRESS cell is padded like any other).
    #[test]
    fn real_kubectl_output() {
        let pods = table(&[
            &["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
            &["http-svc-68dd884bb-wds72", "1/1", "Running", "0", "20s"],
        ]);
        assert_eq!(
            pods,
            "NAME                       READY   STATUS    RESTARTS   AGE\n\
             http-svc-68dd884bb-wds72   1/1     Running   0          20s\n"
        );
        let ingress = table(&[
            &["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"],
            &["example-ingress", "nginx", "*", "", "80", "25s"],
        ]);
        assert_eq!(
            ingress,
            "NAME              CLASS   HOSTS   ADDRESS   PORTS   AGE\n\
             example-ingress   nginx   *                 80      25s\n"
        );
    }

    #[test]
    fn narrow_columns_get_the_minimum_width() {
        assert_eq!(table(&[&["A", "B"], &["xy", "z"]]), "A     B\nxy    z\n");
    }

    #[test]
    fn a_shorter_line_ends_the_column_block() {
        // Go's tabwriter aligns a column only over consecutive lines that have it.
        assert_eq!(
            table(&[&["aaaaaaaaaa", "b"], &["c"], &["d", "e"]]),
            "aaaaaaaaaa   b\nc\nd     e\n"
        );
    }
}
