//! The value chain (004: "you serve the customer, or you serve someone who does"): the
//! customer on the right, front-line departments next to them, and every other
//! department as many columns further left as it is links away from the customer.

use uuid::Uuid;

use crate::repo::departments::ChainNode;

const BOX_WIDTH: i32 = 168;
const BOX_HEIGHT: i32 = 38;
const COLUMN_GAP: i32 = 110;
const ROW_GAP: i32 = 22;
const MARGIN: i32 = 16;
/// Room left of a column for the arcs between departments in the same column.
const ARC: i32 = 40;

/// A department's box.
#[derive(Debug, Clone, PartialEq)]
pub struct Box {
    pub name: String,
    pub slug: String,
    pub x: i32,
    pub y: i32,
    pub front_line: bool,
    /// Serves nobody on the way to the customer.
    pub detached: bool,
}

/// An arrow from a supplier to the one it serves, as an SVG path.
#[derive(Debug, Clone, PartialEq)]
pub struct Arrow {
    pub path: String,
    /// "Finance serves Sales", for the text alternative.
    pub label: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ValueChain {
    pub width: i32,
    pub height: i32,
    pub boxes: Vec<Box>,
    pub arrows: Vec<Arrow>,
    /// Where the customer sits.
    pub customer_x: i32,
    pub customer_y: i32,
    pub box_width: i32,
    pub box_height: i32,
}

impl ValueChain {
    pub fn is_empty(&self) -> bool {
        self.boxes.is_empty()
    }
}

/// Lays the departments out in columns by their distance from the customer.
pub fn layout(nodes: &[ChainNode]) -> ValueChain {
    // Distance: front line 0; otherwise one more than the nearest department it serves.
    let mut distance: Vec<Option<usize>> = nodes
        .iter()
        .map(|n| (n.kind == "front-line").then_some(0))
        .collect();
    loop {
        let mut changed = false;
        for (i, node) in nodes.iter().enumerate() {
            let nearest = node
                .serves
                .iter()
                .filter_map(|c| position(nodes, *c).and_then(|j| distance[j]))
                .min();
            if let Some(d) = nearest
                && distance[i].is_none_or(|current| d + 1 < current)
            {
                distance[i] = Some(d + 1);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let deepest = distance.iter().flatten().max().copied().unwrap_or(0);
    // Departments with no way to the customer get a column of their own, furthest left.
    let detached_column = deepest + 1;
    let has_detached = distance.iter().any(Option::is_none);
    let columns = detached_column + usize::from(has_detached);
    let column_of = |i: usize| distance[i].unwrap_or(detached_column);
    let x_of =
        |column: usize| MARGIN + ARC + (columns - 1 - column) as i32 * (BOX_WIDTH + COLUMN_GAP);
    let mut rows = vec![0i32; columns];
    let mut boxes = Vec::with_capacity(nodes.len());
    for (i, node) in nodes.iter().enumerate() {
        let column = column_of(i);
        boxes.push(Box {
            name: node.name.clone(),
            slug: node.slug.clone(),
            x: x_of(column),
            y: MARGIN + rows[column] * (BOX_HEIGHT + ROW_GAP),
            front_line: node.kind == "front-line",
            detached: distance[i].is_none(),
        });
        rows[column] += 1;
    }
    let tallest = rows.iter().copied().max().unwrap_or(0).max(1);
    let height = 2 * MARGIN + tallest * (BOX_HEIGHT + ROW_GAP) - ROW_GAP;
    let customer_x = MARGIN + ARC + columns as i32 * (BOX_WIDTH + COLUMN_GAP);
    let customer_y = height / 2 - BOX_HEIGHT / 2;
    let mut arrows = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        let from = &boxes[i];
        for customer in &node.serves {
            if let Some(j) = position(nodes, *customer) {
                let to = &boxes[j];
                arrows.push(Arrow {
                    path: curve(from, to),
                    label: format!("{} serves {}", node.name, nodes[j].name),
                });
            }
        }
        if from.front_line {
            arrows.push(Arrow {
                path: forward(from, (customer_x, customer_y + BOX_HEIGHT / 2)),
                label: format!("{} serves the customer", node.name),
            });
        }
    }
    ValueChain {
        width: customer_x + BOX_WIDTH / 2 + MARGIN,
        height: height.max(BOX_HEIGHT + 2 * MARGIN),
        boxes,
        arrows,
        customer_x,
        customer_y,
        box_width: BOX_WIDTH,
        box_height: BOX_HEIGHT,
    }
}

fn position(nodes: &[ChainNode], id: Uuid) -> Option<usize> {
    nodes.iter().position(|n| n.id == id)
}

/// An arrow between two departments' boxes: forward (towards the customer) from right
/// edge to left edge; within a column, an arc out to the left; backwards, from left edge
/// to right edge. Arcs never run through the boxes between.
fn curve(from: &Box, to: &Box) -> String {
    let (y1, y2) = (from.y + BOX_HEIGHT / 2, to.y + BOX_HEIGHT / 2);
    if to.x > from.x {
        forward(from, (to.x, y2))
    } else if to.x == from.x {
        let bow = from.x - ARC + 4;
        format!("M{},{y1} C{bow},{y1} {bow},{y2} {},{y2}", from.x, to.x - 2)
    } else {
        let right = to.x + BOX_WIDTH;
        format!(
            "M{},{y1} C{},{y1} {},{y2} {},{y2}",
            from.x,
            from.x - ARC,
            right + ARC,
            right + 2
        )
    }
}

/// A smooth arrow from a box's right edge to `(x, y)` further right.
fn forward(from: &Box, (x, y): (i32, i32)) -> String {
    let (x1, y1) = (from.x + BOX_WIDTH, from.y + BOX_HEIGHT / 2);
    let bend = (x - x1) / 2;
    format!(
        "M{x1},{y1} C{},{y1} {},{y} {},{y}",
        x1 + bend,
        x - bend,
        x - 2
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, kind: &str, serves: &[Uuid]) -> (Uuid, ChainNode) {
        let id = Uuid::new_v4();
        (
            id,
            ChainNode {
                id,
                slug: name.to_lowercase(),
                name: name.to_owned(),
                kind: kind.to_owned(),
                serves: serves.to_vec(),
            },
        )
    }

    #[test]
    fn departments_stand_as_far_from_the_customer_as_their_links() {
        let (sales, sales_node) = node("Sales", "front-line", &[]);
        let (finance, finance_node) = node("Finance", "support", &[sales]);
        let (_, it_node) = node("IT", "support", &[finance]);
        let (_, legal_node) = node("Legal", "support", &[]);
        let chain = layout(&[sales_node, finance_node, it_node, legal_node]);
        let x: Vec<i32> = chain.boxes.iter().map(|b| b.x).collect();
        // Columns, left to right: detached (Legal), IT, Finance, Sales; then the customer.
        assert!(x[3] < x[2] && x[2] < x[1] && x[1] < x[0] && x[0] < chain.customer_x);
        assert!(chain.boxes[3].detached && !chain.boxes[2].detached);
        let labels: Vec<&str> = chain.arrows.iter().map(|a| a.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "Sales serves the customer",
                "Finance serves Sales",
                "IT serves Finance"
            ]
        );
        let _ = finance;
    }

    #[test]
    fn an_empty_organisation_draws_nothing() {
        assert!(layout(&[]).is_empty());
    }
}
