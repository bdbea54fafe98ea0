package com.meshlet.fleet;

import java.io.Serializable;
import java.util.Objects;

public class Customer implements Serializable {
    private static final long serialVersionUID = 1L;
    private String name;
    private Address address;

    public Customer() {}
    public Customer(String name, Address address) { this.name = name; this.address = address; }
    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
    public Address getAddress() { return address; }
    public void setAddress(Address address) { this.address = address; }

    @Override public boolean equals(Object o) {
        return o instanceof Customer && Objects.equals(name, ((Customer) o).name) && Objects.equals(address, ((Customer) o).address);
    }
    @Override public int hashCode() { return Objects.hash(name, address); }
    @Override public String toString() { return "Customer{" + name + ", " + address + "}"; }
}
