import { RawPeer as Peer } from '@meshlet/core/testing';
import { boltSplitter } from './frame.js';

/** The raw TCP test peer of @meshlet/core/testing, collecting whole Bolt frames. */
export const RawPeer = { connect: (port: number) => Peer.connect(port, boltSplitter) };
