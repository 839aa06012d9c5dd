import "aws-sdk-client-mock-jest";
import { Testing } from "cdktf";

Testing.setupJest();
