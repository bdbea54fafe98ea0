package com.meshlet.fleet;

public final class Blobs {
    private Blobs() {}

    /** byte i = (byte) (i * 31): cheap to make, and any shifted or dropped byte shows. */
    public static byte[] pattern(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) b[i] = (byte) (i * 31);
        return b;
    }
}
