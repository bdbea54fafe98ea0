package com.meshlet.conformance;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Fields in the order CONFORMANCE.md gives; Hessian writes them in declaration order. */
public class User implements Serializable {
    private static final long serialVersionUID = 1L;
    private long id;
    private String name;
    private List<String> tags;
    private Map<String, String> attrs;
    private boolean active;
    private double score;

    public User() {}

    public User(long id, String name, List<String> tags, Map<String, String> attrs, boolean active, double score) {
        this.id = id; this.name = name; this.tags = tags; this.attrs = attrs; this.active = active; this.score = score;
    }

    public long getId() { return id; }
    public void setId(long id) { this.id = id; }
    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
    public List<String> getTags() { return tags; }
    public void setTags(List<String> tags) { this.tags = tags; }
    public Map<String, String> getAttrs() { return attrs; }
    public void setAttrs(Map<String, String> attrs) { this.attrs = attrs; }
    public boolean isActive() { return active; }
    public void setActive(boolean active) { this.active = active; }
    public double getScore() { return score; }
    public void setScore(double score) { this.score = score; }

    @Override public boolean equals(Object o) {
        if (!(o instanceof User)) return false;
        User u = (User) o;
        return id == u.id && active == u.active && Double.compare(score, u.score) == 0 && Objects.equals(name, u.name)
            && Objects.equals(tags, u.tags) && Objects.equals(attrs, u.attrs);
    }
    @Override public int hashCode() { return Objects.hash(id, name); }
    @Override public String toString() {
        return "User{id=" + id + ", name=" + name + ", tags=" + tags + ", attrs=" + attrs + ", active=" + active + ", score=" + score + "}";
    }
}
