import { RawPeer as Peer } from '@meshlet/core/testing';
import { dubboSplitter } from './header.js';

/** The raw TCP test peer of @meshlet/core/testing, collecting whole Dubbo frames. */
export const RawPeer = { connect: (port: number) => Peer.connect(port, dubboSplitter) };
