/**
 * The CDK app. No `env` and no lookups: `cdk synth` needs neither credentials nor network, and the
 * stack deploys to whatever account/region the CLI's credentials name (environment-agnostic).
 * Configuration: lib/config.ts (`-c threadline.stage=prod`, `-c threadline.configFile=prod.json`).
 * cdk-nag's AwsSolutions pack runs on every synth; `-c threadline.nag=false` turns it off.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stackName } from '../lambdas/index.js';
import { ConfigError, configFromContext, ThreadlineLocalStackStack, ThreadlineStack } from '../lib/index.js';

const app = new App();
let config: ReturnType<typeof configFromContext>;
try {
  config = configFromContext(app.node.getAllContext());
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}
const StackClass = config.profile === 'localstack' ? ThreadlineLocalStackStack : ThreadlineStack;
new StackClass(app, stackName(config.stage), {
  config,
  description: `Threadline ${config.stage}: omnichannel event collection, identity stitching and journey analytics`,
  tags: { project: 'threadline', stage: config.stage },
});
// cdk-nag v3 is a policy-validation plugin: an unacknowledged finding fails the synth.
const nag = app.node.tryGetContext('threadline.nag');
if (nag !== 'false' && nag !== false) {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
}
app.synth();
