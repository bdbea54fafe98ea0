package com.meshlet.fleet;

import java.io.Serializable;
import java.math.BigDecimal;
import java.util.Objects;

public class Line implements Serializable {
    private static final long serialVersionUID = 1L;
    private String sku;
    private int qty;
    private BigDecimal price;

    public Line() {}
    public Line(String sku, int qty, BigDecimal price) { this.sku = sku; this.qty = qty; this.price = price; }
    public String getSku() { return sku; }
    public void setSku(String sku) { this.sku = sku; }
    public int getQty() { return qty; }
    public void setQty(int qty) { this.qty = qty; }
    public BigDecimal getPrice() { return price; }
    public void setPrice(BigDecimal price) { this.price = price; }

    /** BigDecimal compared with its scale: "1.50" and "1.5" are different values on the wire. */
    @Override public boolean equals(Object o) {
        return o instanceof Line && Objects.equals(sku, ((Line) o).sku) && qty == ((Line) o).qty && Objects.equals(price, ((Line) o).price);
    }
    @Override public int hashCode() { return Objects.hash(sku, qty, price); }
    @Override public String toString() { return "Line{" + sku + ", " + qty + ", " + price + "}"; }
}
