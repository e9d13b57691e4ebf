//! Orders: the status machine. One table decides which changes are
//! allowed; everything else is refused with the current status.

use serde::{Deserialize, Serialize};

use crate::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    PendingPayment,
    Paid,
    Processing,
    Shipped,
    Delivered,
    Cancelled,
    Refunded,
    Expired,
}

use OrderStatus::*;

/// Every allowed change: (from, to).
const TRANSITIONS: &[(OrderStatus, OrderStatus)] = &[
    (PendingPayment, Paid),
    (PendingPayment, Cancelled),
    (PendingPayment, Expired),
    (Paid, Processing),
    (Paid, Cancelled),
    (Paid, Refunded),
    (Processing, Shipped),
    (Processing, Refunded),
    (Shipped, Delivered),
    (Delivered, Refunded),
];

impl OrderStatus {
    pub const ALL: [OrderStatus; 8] = [PendingPayment, Paid, Processing, Shipped, Delivered, Cancelled, Refunded, Expired];

    pub fn as_str(self) -> &'static str {
        match self {
            PendingPayment => "pending_payment",
            Paid => "paid",
            Processing => "processing",
            Shipped => "shipped",
            Delivered => "delivered",
            Cancelled => "cancelled",
            Refunded => "refunded",
            Expired => "expired",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    pub fn can_become(self, next: OrderStatus) -> bool {
        TRANSITIONS.contains(&(self, next))
    }

    /// 409 with the current status unless `self → next` is allowed.
    pub fn check(self, next: OrderStatus) -> Result<(), ApiError> {
        if self.can_become(next) {
            Ok(())
        } else {
            Err(ApiError::conflict(
                "invalid_status_transition",
                format!("an order that is {} cannot become {}", self.as_str(), next.as_str()),
            ))
        }
    }

    /// Whether the order still holds stock that a cancellation gives back.
    pub fn holds_stock(self) -> bool {
        matches!(self, PendingPayment | Paid | Processing)
    }

    pub fn is_final(self) -> bool {
        matches!(self, Cancelled | Refunded | Expired)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(OrderStatus::parse("lost"), None);
    }

    #[test]
    fn the_happy_path_is_allowed() {
        let path = [PendingPayment, Paid, Processing, Shipped, Delivered];
        for pair in path.windows(2) {
            assert!(pair[0].can_become(pair[1]), "{:?} -> {:?}", pair[0], pair[1]);
        }
    }

    #[test]
    fn final_states_go_nowhere_and_nothing_goes_back() {
        for from in OrderStatus::ALL.into_iter().filter(|s| s.is_final()) {
            assert!(OrderStatus::ALL.iter().all(|to| !from.can_become(*to)), "{from:?}");
        }
        assert!(!Shipped.can_become(Cancelled), "cancelling is for before fulfilment");
        assert!(!Paid.can_become(PendingPayment));
        let e = Delivered.check(Shipped).unwrap_err();
        assert_eq!((e.status, e.code), (409, "invalid_status_transition"));
        assert!(e.message.contains("delivered"));
    }
}
