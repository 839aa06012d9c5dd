/**
 * The customers' accounts in the Cognito user pool: AdminDeleteUser by the customer's user name
 * (the pool signs in by e-mail, so the user name is the `sub`). The client is loaded at the first
 * erasure, not at cold start.
 */
import type { CustomerAccounts } from "../ports";

export class CognitoCustomerAccounts implements CustomerAccounts {
  private client?: Promise<{
    send: (command: unknown) => Promise<unknown>;
    command: (username: string) => unknown;
  }>;

  constructor(private readonly userPoolId: string) {}

  private load() {
    this.client ??= import("@aws-sdk/client-cognito-identity-provider").then(
      ({ CognitoIdentityProviderClient, AdminDeleteUserCommand }) => {
        const client = new CognitoIdentityProviderClient({ maxAttempts: 3 });
        return {
          send: (command: unknown) => client.send(command as InstanceType<typeof AdminDeleteUserCommand>),
          command: (username: string) =>
            new AdminDeleteUserCommand({ UserPoolId: this.userPoolId, Username: username }),
        };
      },
    );
    return this.client;
  }

  async delete(customerId: string): Promise<"deleted" | "absent"> {
    const { send, command } = await this.load();
    try {
      await send(command(customerId));
      return "deleted";
    } catch (error) {
      if ((error as Error).name === "UserNotFoundException") return "absent";
      throw error;
    }
  }
}
