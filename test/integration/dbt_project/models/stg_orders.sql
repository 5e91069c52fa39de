select id as order_id, customer_id, amount, status, cast(placed_at as date) as placed_on
from {{ ref('orders') }}
where status <> 'returned'
