import { RawPeer as Peer } from '@meshlet/core/testing';
import { motanSplitter } from './header.js';

/** The raw TCP test peer of @meshlet/core/testing, collecting whole Motan2 frames. */
export const RawPeer = { connect: (port: number) => Peer.connect(port, motanSplitter) };
