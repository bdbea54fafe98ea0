package com.meshlet.sofarpc;

import com.meshlet.conformance.EchoServiceImpl;

/** EchoService under uniqueId `g2`: echo answers "g2:" + s, so uniqueId selection shows. */
public final class G2Echo extends EchoServiceImpl {
    @Override
    public String echo(String s) { return "g2:" + s; }
}
