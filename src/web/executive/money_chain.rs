//! What the movers, value-chain and money sections of the executive page need beyond their
//! figures: words for numbers, the value-chain picture and the cost chart.

use super::ExecutivePage;
use crate::services::metrics::executive::movers::Mover;
use crate::web::Number;
use crate::web::charts::bars::{self, Bars, Item};
use crate::web::charts::value_chain::{self, ValueChain};

impl ExecutivePage<'_> {
    pub(super) fn money(&self, amount: impl Number) -> String {
        crate::web::money(amount.get())
    }

    /// A change in NPS points with its direction as a shape, not only a colour.
    pub(super) fn points(&self, change: impl Number) -> String {
        let change = change.get();
        let arrow = if change > 0.0 { "▲" } else { "▼" };
        format!("{arrow} {:.1} points", change.abs())
    }

    /// The movers up and down: (direction, heading, movers, how many more not shown).
    pub(super) fn mover_lists(&self) -> [(&'static str, &'static str, &[Mover], usize); 2] {
        let movers = &self.movers;
        [
            ("up", "Moved up", &movers.up, movers.more_up),
            ("down", "Moved down", &movers.down, movers.more_down),
        ]
    }

    /// Who serves whom, drawn.
    pub(super) fn chain_picture(&self) -> ValueChain {
        value_chain::layout(&self.internal_chain.nodes)
    }

    /// Failure-demand cost by originating department, as bars.
    pub(super) fn cost_chart(&self) -> Bars {
        let items: Vec<Item> = self
            .money
            .ledger
            .departments
            .iter()
            .map(|d| Item {
                label: d
                    .department_name
                    .clone()
                    .unwrap_or_else(|| "No department charged".into()),
                value: d.cost,
                value_label: crate::web::money(d.cost),
            })
            .collect();
        bars::layout(
            "cost-chart",
            "Failure-demand cost by the department that caused it",
            "cost in currency units",
            &items,
            |v| crate::web::thousands(v.round() as i64),
        )
    }
}
