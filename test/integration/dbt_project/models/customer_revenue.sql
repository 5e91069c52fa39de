{{ config(materialized='table') }}
select c.id as customer_id, c.name, c.country,
       count(o.order_id) as orders, coalesce(sum(o.amount), 0) as revenue
from {{ ref('customers') }} c
left join {{ ref('stg_orders') }} o on o.customer_id = c.id
group by 1, 2, 3
