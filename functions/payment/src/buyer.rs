//! The order a payment route is about: `{order_id}` from the body, the
//! caller's own (another user's is the same 404 as a missing one), expired
//! first if overdue, and meant to be paid with `method`.

use webox_core::{ApiError, ApiResult};
use webox_edge::orders::{self, OrderRow};
use webox_edge::{guard, Ctx};

pub async fn own_order(cx: &mut Ctx, method: &str) -> ApiResult<OrderRow> {
    let user = guard::authenticate(cx).await?;
    let body = cx.json_body().await?;
    let order_id = body.required_str("order_id")?.to_owned();
    let db = cx.db()?;
    orders::expire_overdue(&db, Some(&user.user_id), cx.now).await?;
    let order = orders::find(&db, &order_id).await?.filter(|o| o.user_id == user.user_id).ok_or_else(|| ApiError::not_found("order"))?;
    if order.payment_method != method {
        return Err(ApiError::conflict("wrong_payment_method", format!("this order is paid with {}", order.payment_method)));
    }
    Ok(order)
}
