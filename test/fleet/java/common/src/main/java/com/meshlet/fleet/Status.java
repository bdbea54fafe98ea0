package com.meshlet.fleet;

public enum Status { NEW, PAID, SHIPPED }
