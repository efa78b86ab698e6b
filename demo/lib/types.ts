/**
 * TypeScript shapes of the shop.v1 messages, as @grpc/proto-loader decodes them with
 * keepCase, longs: Number, defaults: true (demo/lib/proto.ts). Keep in step with demo/proto.
 */
export interface User {
  id: string;
  email: string;
  name: string;
  created_at_ms: number;
}
export interface RegisterRequest {
  email: string;
  password: string;
  name: string;
}
export interface LoginRequest {
  email: string;
  password: string;
}
export interface LoginResponse {
  access_token: string;
  expires_in_s: number;
  user: User | null;
}
export interface ValidateTokenRequest {
  token: string;
}
export interface GetUserRequest {
  id: string;
}

export interface Product {
  id: string;
  name: string;
  category: string;
  price_cents: number;
  currency: string;
}
export interface ListProductsRequest {
  limit: number;
  offset: number;
  category: string;
}
export interface ListProductsResponse {
  products: Product[];
  total: number;
}
export interface GetProductRequest {
  id: string;
}

export interface Stock {
  product_id: string;
  available: number;
}
export interface GetStockRequest {
  product_id: string;
}
export interface ReserveItem {
  product_id: string;
  quantity: number;
}
export interface ReserveRequest {
  order_id: string;
  items: ReserveItem[];
}
export interface Reservation {
  id: string;
  order_id: string;
}

export interface LineItem {
  product_id: string;
  quantity: number;
  unit_price_cents: number;
  product_name: string;
}
export interface Cart {
  user_id: string;
  items: LineItem[];
}
export interface AddCartItemRequest {
  user_id: string;
  product_id: string;
  quantity: number;
}
export interface CartRequest {
  user_id: string;
}
export interface CartItemRequest {
  user_id: string;
  product_id: string;
}
export interface CreateOrderRequest {
  user_id: string;
  items: LineItem[];
  shipping_address: string;
  payment_method: string;
}
export interface Order {
  id: string;
  user_id: string;
  items: LineItem[];
  total_cents: number;
  currency: string;
  status: string;
  payment_authorization_id: string;
  payment_id: string;
  created_at_ms: number;
  shipping_address: string;
  payment_method: string;
}
export interface GetOrderRequest {
  id: string;
  user_id: string;
}
export interface MarkOrderPaidRequest {
  id: string;
  payment_id: string;
}

export interface AuthorizePaymentRequest {
  user_id: string;
  amount_cents: number;
  currency: string;
}
export interface Authorization {
  id: string;
  approved: boolean;
}
export interface ProcessPaymentRequest {
  order_id: string;
  user_id: string;
  method: string;
  amount_cents: number;
  currency: string;
}
export interface GetPaymentRequest {
  id: string;
}
export interface GetPaymentByOrderRequest {
  order_id: string;
}
export interface Payment {
  id: string;
  order_id: string;
  user_id: string;
  amount_cents: number;
  currency: string;
  method: string;
  status: string;
  created_at_ms: number;
}

export interface SendRequest {
  user_id: string;
  kind: string;
  reference_id: string;
}
export interface SendResponse {
  id: string;
}

/** Every unary method of every service: [request, response]. The typed client reads this. */
export interface ShopMethods {
  user: {
    Register: [RegisterRequest, User];
    Login: [LoginRequest, LoginResponse];
    ValidateToken: [ValidateTokenRequest, User];
    GetUser: [GetUserRequest, User];
  };
  product: {
    ListProducts: [ListProductsRequest, ListProductsResponse];
    GetProduct: [GetProductRequest, Product];
  };
  inventory: {
    GetStock: [GetStockRequest, Stock];
    Reserve: [ReserveRequest, Reservation];
  };
  order: {
    AddCartItem: [AddCartItemRequest, Cart];
    GetCart: [CartRequest, Cart];
    UpdateCartItem: [AddCartItemRequest, Cart];
    RemoveCartItem: [CartItemRequest, Cart];
    ClearCart: [CartRequest, Cart];
    CreateOrder: [CreateOrderRequest, Order];
    GetOrder: [GetOrderRequest, Order];
    MarkOrderPaid: [MarkOrderPaidRequest, Order];
  };
  payment: {
    AuthorizePayment: [AuthorizePaymentRequest, Authorization];
    ProcessPayment: [ProcessPaymentRequest, Payment];
    GetPayment: [GetPaymentRequest, Payment];
    GetPaymentByOrder: [GetPaymentByOrderRequest, Payment];
  };
  notification: {
    Send: [SendRequest, SendResponse];
  };
}
