// The demo's database-backed journeys, served when DEMO_DATABASE_URL is set (a PostgreSQL seeded by
// seed.mjs). Each has a real database problem for perf-flow's database analysis to find:
//   GET /api/db/orders?customer=N   an N+1 pattern: a customer's orders, then each order's
//                                   lines in a query of its own;
//   GET /api/db/products?category=C a filter on products.category, which has no index: every
//                                   request scans the whole table.
// pg is perf-flow's own dependency, imported only when a database is configured, so that the
// demo still runs with no dependency without one.

export const SEED = {
  customers: 500,
  ordersPerCustomer: 8,
  linesPerOrder: 6,
  products: 50_000,
  categories: 25,
};

export async function openShopDatabase(url) {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max: 8, application_name: 'demo-service' });
  // An idle connection the server drops must not end the service: the pool opens another.
  pool.on('error', (error) =>
    console.error(`demo-service: database connection lost: ${error.message}`),
  );
  // A database that is down or unseeded stops the service at start, with the reason.
  await pool.query('SELECT 1 FROM orders LIMIT 1');
  return {
    async route(method, pathname, searchParams) {
      if (pathname === '/api/db/orders') {
        if (method !== 'GET') return [405, { error: `${method} is not allowed on ${pathname}` }];
        const raw = searchParams.get('customer');
        if (raw === null || !/^\d{1,9}$/.test(raw)) {
          return [400, { error: 'customer must be a non-negative integer, as in ?customer=42' }];
        }
        return [200, await orderHistory(pool, Number(raw))];
      }
      if (pathname === '/api/db/products') {
        if (method !== 'GET') return [405, { error: `${method} is not allowed on ${pathname}` }];
        const category = searchParams.get('category');
        if (category === null || !/^[a-z0-9-]{1,40}$/.test(category)) {
          return [400, { error: 'category must be a lower-case name, as in ?category=kettles-3' }];
        }
        const { rows } = await pool.query(
          'SELECT id, name, price_cents FROM products WHERE category = $1 ORDER BY price_cents DESC LIMIT 20',
          [category],
        );
        return [200, { category, products: rows }];
      }
      return undefined;
    },
    close: () => pool.end(),
  };
}

// The N+1: one query for the orders, then one per order for its lines, where a single join
// (or WHERE order_id = ANY($1)) would do.
async function orderHistory(pool, customer) {
  const orders = await pool.query(
    'SELECT id, placed_on FROM orders WHERE customer_id = $1 ORDER BY id',
    [customer],
  );
  const history = [];
  for (const order of orders.rows) {
    const lines = await pool.query(
      'SELECT sku, quantity, price_cents FROM order_lines WHERE order_id = $1',
      [order.id],
    );
    history.push({ ...order, lines: lines.rows });
  }
  return { customer, orders: history };
}
