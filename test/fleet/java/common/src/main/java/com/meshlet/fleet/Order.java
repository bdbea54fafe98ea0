package com.meshlet.fleet;

import java.io.Serializable;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/** What fleets actually send: nested POJOs, an enum, Date, BigDecimal, Set, byte[], a nullable Long. */
public class Order implements Serializable {
    private static final long serialVersionUID = 1L;
    private long id;
    private Customer customer;
    private List<Line> lines;
    private Status status;
    private Date createdAt;
    private BigDecimal total;
    private Set<String> labels;
    private byte[] blob;
    private Long parent;

    public Order() {}

    public long getId() { return id; }
    public void setId(long id) { this.id = id; }
    public Customer getCustomer() { return customer; }
    public void setCustomer(Customer customer) { this.customer = customer; }
    public List<Line> getLines() { return lines; }
    public void setLines(List<Line> lines) { this.lines = lines; }
    public Status getStatus() { return status; }
    public void setStatus(Status status) { this.status = status; }
    public Date getCreatedAt() { return createdAt; }
    public void setCreatedAt(Date createdAt) { this.createdAt = createdAt; }
    public BigDecimal getTotal() { return total; }
    public void setTotal(BigDecimal total) { this.total = total; }
    public Set<String> getLabels() { return labels; }
    public void setLabels(Set<String> labels) { this.labels = labels; }
    public byte[] getBlob() { return blob; }
    public void setBlob(byte[] blob) { this.blob = blob; }
    public Long getParent() { return parent; }
    public void setParent(Long parent) { this.parent = parent; }

    @Override public boolean equals(Object o) {
        if (!(o instanceof Order)) return false;
        Order x = (Order) o;
        return id == x.id && Objects.equals(customer, x.customer) && Objects.equals(lines, x.lines) && status == x.status
            && Objects.equals(createdAt, x.createdAt) && Objects.equals(total, x.total) && Objects.equals(labels, x.labels)
            && Arrays.equals(blob, x.blob) && Objects.equals(parent, x.parent);
    }
    @Override public int hashCode() { return Objects.hash(id, status); }
    @Override public String toString() {
        return "Order{id=" + id + ", customer=" + customer + ", lines=" + lines + ", status=" + status + ", createdAt="
            + (createdAt == null ? null : createdAt.getTime()) + ", total=" + total + ", labels=" + labels + ", blob="
            + (blob == null ? null : blob.length + "B") + ", parent=" + parent + "}";
    }
}
