// Creates and fills the demo's shop database for its database-backed journeys:
//   DEMO_DATABASE_URL=postgres://... node seed.mjs
// It starts over each time (the tables are dropped first) and writes the same rows every
// time. orders.customer_id and order_lines.order_id are indexed; products.category is not,
// on purpose (see shop-database.mjs).
import { SEED } from './shop-database.mjs';

const url = process.env.DEMO_DATABASE_URL;
if (!url) {
  console.error('seed: set DEMO_DATABASE_URL to the postgres:// URL of the database to fill');
  process.exit(2);
}
const { default: pg } = await import('pg');
const client = new pg.Client({ connectionString: url });
try {
  await client.connect();
  const { customers, ordersPerCustomer, linesPerOrder, products, categories } = SEED;
  await client.query(`
    DROP TABLE IF EXISTS order_lines, orders, products;
    CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, placed_on date NOT NULL);
    CREATE TABLE order_lines (order_id int NOT NULL REFERENCES orders, sku text NOT NULL,
                              quantity int NOT NULL, price_cents int NOT NULL);
    CREATE TABLE products (id int PRIMARY KEY, name text NOT NULL, category text NOT NULL,
                           price_cents int NOT NULL);
    INSERT INTO orders
      SELECT g, g % ${customers}, date '2026-01-01' + (g % 300)
        FROM generate_series(1, ${customers * ordersPerCustomer}) g;
    INSERT INTO order_lines
      SELECT 1 + g % ${customers * ordersPerCustomer}, 'sku-' || g, 1 + g % 4, 100 + g % 9000
        FROM generate_series(0, ${customers * ordersPerCustomer * linesPerOrder - 1}) g;
    INSERT INTO products
      SELECT g, 'product ' || g, 'kettles-' || (g % ${categories}), 100 + g % 20000
        FROM generate_series(1, ${products}) g;
    CREATE INDEX orders_customer ON orders (customer_id);
    CREATE INDEX order_lines_order ON order_lines (order_id);
    ANALYZE orders; ANALYZE order_lines; ANALYZE products;
  `);
  console.log(
    `seed: ${customers * ordersPerCustomer} orders, ${customers * ordersPerCustomer * linesPerOrder} order lines, ${products} products`,
  );
} catch (error) {
  console.error(`seed: ${error.message}`);
  process.exitCode = 3;
} finally {
  await client.end().catch(() => undefined);
}
