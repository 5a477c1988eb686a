/** Fixed vocabulary of the synthetic shop: names, products, stores, user agents and the order shape. */
import type { Rng } from './rng.js';

export const FIRST_NAMES = [
  'ana',
  'ben',
  'chloe',
  'dev',
  'emma',
  'farid',
  'grace',
  'hugo',
  'ines',
  'jon',
  'kai',
  'lena',
  'milo',
  'nora',
  'omar',
  'priya',
  'quinn',
  'rosa',
  'sam',
  'tara',
];
export const LAST_NAMES = ['lopez', 'smith', 'nguyen', 'okafor', 'muller', 'rossi', 'kim', 'patel', 'dubois', 'silva', 'novak', 'berg'];

export interface Product {
  sku: string;
  name: string;
  category: string;
  price: number;
}

export const PRODUCTS: Product[] = [
  { sku: 'SKU-TENT-2P', name: 'Trail tent 2P', category: 'camping', price: 189 },
  { sku: 'SKU-BOOT-W', name: 'Hiking boots', category: 'footwear', price: 129 },
  { sku: 'SKU-JKT-RAIN', name: 'Rain jacket', category: 'apparel', price: 99 },
  { sku: 'SKU-PACK-30', name: 'Daypack 30L', category: 'bags', price: 69 },
  { sku: 'SKU-MUG-TI', name: 'Titanium mug', category: 'camping', price: 25 },
  { sku: 'SKU-LAMP-H', name: 'Head lamp', category: 'camping', price: 39 },
];

export const STORES = ['store-london-01', 'store-leeds-02', 'store-bristol-03'];

export const UA = {
  desktop: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  mac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  iphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  android: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
};

export const SITE = 'https://shop.example.com';

/** `n` products viewed in a session, drawn with replacement. */
export function productPages(rng: Rng, n: number): Product[] {
  const out: Product[] = [];
  for (let i = 0; i < n; i++) out.push(rng.pick(PRODUCTS));
  return out;
}

/** Properties of an `Order Completed` event, whichever channel it is placed through. */
export interface Order {
  order_id: string;
  revenue: number;
  currency: 'GBP';
  products: { product_id: string; quantity: number; price: number }[];
}
