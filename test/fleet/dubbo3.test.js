// Apache Dubbo 3.3.6 (Maven Central) against Meshlet, interface-level registration: see test/fleet/dubbo/suite.js.
import { dubboSuite } from './dubbo/suite.js';

dubboSuite('dubbo3', { release: '3.3.6' });
