// Apache Dubbo 2.7.23 (Maven Central) against Meshlet: see test/fleet/dubbo/suite.js.
import { dubboSuite } from './dubbo/suite.js';

dubboSuite('dubbo27', { release: '2.7.23' });
