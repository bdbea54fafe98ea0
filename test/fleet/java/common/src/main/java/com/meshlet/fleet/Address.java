package com.meshlet.fleet;

import java.io.Serializable;
import java.util.Objects;

public class Address implements Serializable {
    private static final long serialVersionUID = 1L;
    private String city;
    private String zip;

    public Address() {}
    public Address(String city, String zip) { this.city = city; this.zip = zip; }
    public String getCity() { return city; }
    public void setCity(String city) { this.city = city; }
    public String getZip() { return zip; }
    public void setZip(String zip) { this.zip = zip; }

    @Override public boolean equals(Object o) {
        return o instanceof Address && Objects.equals(city, ((Address) o).city) && Objects.equals(zip, ((Address) o).zip);
    }
    @Override public int hashCode() { return Objects.hash(city, zip); }
    @Override public String toString() { return "Address{" + city + ", " + zip + "}"; }
}
