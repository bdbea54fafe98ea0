package com.meshlet.conformance;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/** The POJO of the conformance suite; Meshlet's descriptor for it lists the same fields. */
public class User implements Serializable {
  private static final long serialVersionUID = 1L;

  public long id;
  public String name;
  public List<String> tags;
  public Map<String, String> attrs;
  public boolean active;
  public double score;
}
