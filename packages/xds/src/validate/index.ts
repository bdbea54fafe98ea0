// Validation per resource type: returns the resource's name, or throws InvalidResource (the client
// NACKs the response and keeps the other resources in it, as gRPC does).
import { CLUSTER, CLUSTER_LOAD_ASSIGNMENT, LISTENER, ROUTE_CONFIGURATION, SECRET } from '../type-urls.js';
import { validateCluster } from './cluster.js';
import { validateClusterLoadAssignment } from './endpoint.js';
import { InvalidResource, str, type Obj } from './invalid.js';
import { validateListener } from './listener.js';
import { validateRouteConfiguration } from './route.js';
import { validateSecret } from './secret.js';

const VALIDATORS: Record<string, (o: Obj) => string> = {
  [LISTENER]: validateListener,
  [ROUTE_CONFIGURATION]: validateRouteConfiguration,
  [CLUSTER]: validateCluster,
  [CLUSTER_LOAD_ASSIGNMENT]: validateClusterLoadAssignment,
  [SECRET]: validateSecret,
};

export function validateResource(typeUrl: string, resource: Obj): string {
  const validate = VALIDATORS[typeUrl];
  if (validate !== undefined) return validate(resource);
  const name = str(resource['name']);
  if (name === '') throw new InvalidResource(undefined, 'resource without a name');
  return name;
}

export { InvalidResource };
